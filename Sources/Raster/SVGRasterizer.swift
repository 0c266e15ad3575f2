import CRsvg

/// Renders an SVG figure to PNG with librsvg and cairo: what Jupyter front ends show when they
/// hide SVG (an untrusted notebook in JupyterLab), and what a terminal with inline images draws.
///
/// Deterministic on one machine (no timestamps in the PNG); text depends on the installed fonts
/// and librsvg's version, so tests check a PNG by decoding it, never by its bytes.
public enum SVGRasterizer {
    /// Why an SVG could not be rendered.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// The largest side in pixels; a larger figure is drawn at a smaller scale to fit, so a
    /// `plot(width: 1e9)` cannot ask for gigabytes.
    public static let maxSide = 8192.0

    /// PNG bytes of `svg` drawn at `scale` × its size in CSS pixels (96 per inch) on white.
    public static func png(_ svg: String, scale: Double = 2) throws(Failure) -> [UInt8] {
        var error: UnsafeMutablePointer<GError>?
        let bytes = Array(svg.utf8)
        let made = bytes.withUnsafeBufferPointer { rsvg_handle_new_from_data($0.baseAddress, gsize($0.count), &error) }
        guard let handle = made else { throw Failure("librsvg could not read the SVG: " + take(&error)) }
        defer { g_object_unref(UnsafeMutableRawPointer(handle)) }
        rsvg_handle_set_dpi(handle, 96)   // CSS pixels (librsvg's default is 90)

        var width = 0.0, height = 0.0
        guard rsvg_handle_get_intrinsic_size_in_pixels(handle, &width, &height) != 0,
              width.isFinite, height.isFinite, width > 0, height > 0 else {
            throw Failure("the SVG has no width and height in absolute units")
        }
        let s = min(scale, maxSide / width, maxSide / height)
        let w = max(1, Int((width * s).rounded())), h = max(1, Int((height * s).rounded()))

        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(w), Int32(h)) else {
            throw Failure("cairo could not make a \(w)×\(h) image")
        }
        defer { cairo_surface_destroy(surface) }
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, let cr = cairo_create(surface) else {
            throw Failure("cairo could not make a \(w)×\(h) image")
        }
        defer { cairo_destroy(cr) }
        cairo_set_source_rgb(cr, 1, 1, 1)
        cairo_paint(cr)
        var viewport = RsvgRectangle(x: 0, y: 0, width: Double(w), height: Double(h))
        guard rsvg_handle_render_document(handle, cr, &viewport, &error) != 0 else {
            throw Failure("librsvg could not draw the SVG: " + take(&error))
        }
        cairo_surface_flush(surface)

        let sink = Sink()
        let status = cairo_surface_write_to_png_stream(surface, { closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
            Unmanaged<Sink>.fromOpaque(closure).takeUnretainedValue()
                .bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
            return CAIRO_STATUS_SUCCESS
        }, Unmanaged.passUnretained(sink).toOpaque())
        guard status == CAIRO_STATUS_SUCCESS else { throw Failure("cairo could not encode the PNG") }
        return sink.bytes
    }

    /// Collects the PNG stream's chunks.
    private final class Sink {
        var bytes: [UInt8] = []
    }

    /// A GError's message, freed.
    private static func take(_ error: inout UnsafeMutablePointer<GError>?) -> String {
        guard let e = error else { return "unknown error" }
        defer { g_error_free(e); error = nil }
        return e.pointee.message.map { String(cString: $0) } ?? "unknown error"
    }
}
