/// An axis-aligned rectangle in SVG user units (pt).
struct Rect {
    var x, y, w, h: Double
    var maxX: Double { x + w }
    var maxY: Double { y + h }

    func inset(_ d: Double) -> Rect { Rect(x: x + d, y: y + d, w: w - 2 * d, h: h - 2 * d) }
    func contains(_ px: Double, _ py: Double) -> Bool { px >= x && px <= maxX && py >= y && py <= maxY }
    func intersects(_ o: Rect) -> Bool { x < o.maxX && o.x < maxX && y < o.maxY && o.y < maxY }

    /// Whether the segment (a → b) meets the rectangle (Liang–Barsky clipping).
    func intersects(segment a: (Double, Double), _ b: (Double, Double)) -> Bool {
        let dx = b.0 - a.0, dy = b.1 - a.1
        var t0 = 0.0, t1 = 1.0
        for (p, q) in [(-dx, a.0 - x), (dx, maxX - a.0), (-dy, a.1 - y), (dy, maxY - a.1)] {
            if p == 0 {
                if q < 0 { return false }
            } else {
                let r = q / p
                if p < 0 { if r > t1 { return false }; if r > t0 { t0 = r } }
                else { if r < t0 { return false }; if r < t1 { t1 = r } }
            }
        }
        return true
    }
}

/// A panel's placement: its plot area (the axes frame) and resolved axes.
struct PanelGeometry {
    var plot: Rect
    var x: Axis
    var y: Axis
    /// Heatmap cells area (inside `plot`), when the panel holds a heatmap.
    var heat: Rect?
    var rotateXLabels = false

    /// Pixel x of transformed value t (clamped far outside the frame so numbers stay small).
    @inline(__always) func px(_ t: Double) -> Double {
        let f = x.frac(t)
        let c = max(-3, min(4, f.isFinite ? f : (f > 0 ? 4 : -3)))
        return x.reversed ? plot.maxX - c * plot.w : plot.x + c * plot.w
    }

    /// Pixel y of transformed value t; ±infinity map beyond the frame's bottom / top.
    @inline(__always) func py(_ t: Double) -> Double {
        let f = y.frac(t)
        let c = max(-3, min(4, f.isFinite ? f : (f > 0 ? 4 : -3)))
        return y.reversed ? plot.y + c * plot.h : plot.maxY - c * plot.h
    }
}
