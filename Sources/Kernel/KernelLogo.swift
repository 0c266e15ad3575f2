import Raster

/// The kernel's logo: a pruned network (a few kept connections between two layers), drawn once
/// as SVG and rendered to the PNG sizes Jupyter asks for.
enum KernelLogo {
    static let svg = """
    <svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
    <rect width="64" height="64" rx="10" fill="#1F4E79"/>
    <g stroke="#FFFFFF" stroke-width="3" stroke-linecap="round">
    <line x1="16" y1="16" x2="48" y2="24"/><line x1="16" y1="32" x2="48" y2="24"/>
    <line x1="16" y1="48" x2="48" y2="40"/>
    </g>
    <g stroke="#FFFFFF" stroke-opacity="0.3" stroke-width="1.5" stroke-dasharray="2 3">
    <line x1="16" y1="16" x2="48" y2="40"/><line x1="16" y1="32" x2="48" y2="40"/><line x1="16" y1="48" x2="48" y2="24"/>
    </g>
    <g fill="#F2B134"><circle cx="16" cy="16" r="5"/><circle cx="16" cy="32" r="5"/><circle cx="16" cy="48" r="5"/>
    <circle cx="48" cy="24" r="5"/><circle cx="48" cy="40" r="5"/></g>
    </svg>

    """

    /// The logo as a `size`×`size` PNG.
    static func png(size: Int) throws(SVGRasterizer.Failure) -> [UInt8] {
        try SVGRasterizer.png(svg, scale: Double(size) / 64)
    }
}
