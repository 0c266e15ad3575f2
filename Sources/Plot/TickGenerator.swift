import Foundation

/// Tick positions by the Extended Wilkinson algorithm of Talbot, Lin and Hanrahan,
/// "An Extension of Wilkinson's Algorithm for Positioning Tick Labels on Axes" (InfoVis 2010).
///
/// A labelling is a start, a step `j·q·10^z` (q from the nice-number list Q, j the skip) and a
/// count k. It is scored as `w·(simplicity, coverage, density, legibility)`; the search walks j, q,
/// k and z in increasing order and prunes with the upper bounds of each term, exactly as the
/// reference implementation (R package `labeling`, function `extended`). Legibility is fixed at 1,
/// as in that implementation.
public enum TickGenerator {
    /// Nice step mantissas in order of preference.
    public static let defaultQ: [Double] = [1, 5, 2, 2.5, 4, 3]
    /// Weights for simplicity, coverage, density and legibility.
    public static let defaultWeights: (Double, Double, Double, Double) = (0.25, 0.2, 0.5, 0.05)

    /// Ticks for the data range `dmin...dmax` with about `m` ticks wanted.
    ///
    /// - Returns: tick values in increasing order. A zero-width range gives the single value;
    ///   non-finite input or `m < 1` gives no ticks. With `onlyLoose`, the ticks cover the data.
    public static func extended(dmin: Double, dmax: Double, m: Int,
                                Q: [Double] = defaultQ, onlyLoose: Bool = false) -> [Double] {
        guard dmin.isFinite, dmax.isFinite, m >= 1, !Q.isEmpty else { return [] }
        let lo = min(dmin, dmax), hi = max(dmin, dmax)
        let eps = Double.ulpOfOne * 100
        if hi - lo < eps * max(1, abs(hi)) { return [lo] }
        let w = defaultWeights
        let n = Double(Q.count)
        let mD = Double(m)

        var bestScore = -2.0
        var best: (start: Double, j: Double, q: Double, z: Int, k: Int)? = nil

        var j = 1.0
        outer: while j < 1000 {
            for (qi, q) in Q.enumerated() {
                let sm = 1 - Double(qi) / (n - 1 > 0 ? n - 1 : 1) - j + 1       // simplicity max (v = 1)
                if w.0 * sm + w.1 + w.2 + w.3 < bestScore { break outer }
                var k = 2
                while k < 10_000 {
                    let kD = Double(k)
                    let dm = kD >= mD ? 2 - (kD - 1) / max(mD - 1, 1e-300) : 1  // density max
                    if w.0 * sm + w.1 + w.2 * dm + w.3 < bestScore { break }
                    let delta = (hi - lo) / (kD + 1) / j / q
                    var z = Int(ceil(log10(delta)))
                    let zStop = z + 400
                    while z < zStop {
                        let step = j * q * pow10(z)
                        guard step.isFinite, step > 0 else { break }
                        let cm = coverageMax(lo, hi, step * (kD - 1))
                        if w.0 * sm + w.1 * cm + w.2 * dm + w.3 < bestScore { break }
                        let minStart = floor(hi / step) * j - (kD - 1) * j
                        let maxStart = ceil(lo / step) * j
                        if minStart > maxStart { z += 1; continue }
                        var start = minStart
                        while start <= maxStart {
                            let lmin = start * (step / j)
                            let lmax = lmin + step * (kD - 1)
                            let s = simplicity(qi, n, j, lmin, lmax, step, eps)
                            let c = coverage(lo, hi, lmin, lmax)
                            let g = density(kD, mD, lo, hi, lmin, lmax)
                            let score = w.0 * s + w.1 * c + w.2 * g + w.3 * 1
                            if score > bestScore && (!onlyLoose || (lmin <= lo && lmax >= hi)) {
                                bestScore = score
                                best = (start, j, q, z, k)
                            }
                            start += 1
                        }
                        z += 1
                    }
                    k += 1
                }
            }
            j += 1
        }
        guard let b = best else { return [lo, hi] }
        // Tick i is (start + i·j) units of q·10^z; computing it as an integer count times the unit
        // (dividing by 10^-z for negative z) gives the correctly rounded decimal, e.g. 0.3 not 0.30000000000000004.
        var ticks: [Double] = []
        ticks.reserveCapacity(b.k)
        for i in 0..<b.k {
            let units = (b.start + Double(i) * b.j) * b.q
            let v = b.z >= 0 ? units * pow10(b.z) : units / pow10(-b.z)
            ticks.append(v == 0 ? 0 : v)   // no negative zero
        }
        return ticks
    }

    static func pow10(_ z: Int) -> Double {
        var r = 1.0
        if z >= 0 { for _ in 0..<min(z, 400) { r *= 10 } } else { for _ in 0..<min(-z, 400) { r /= 10 } }
        return r
    }

    /// R's `%%` (floored modulo) for positive `b`.
    private static func fmod(_ a: Double, _ b: Double) -> Double { a - (a / b).rounded(.down) * b }

    private static func simplicity(_ qi: Int, _ n: Double, _ j: Double,
                                   _ lmin: Double, _ lmax: Double, _ lstep: Double, _ eps: Double) -> Double {
        let r = fmod(lmin, lstep)
        let v: Double = ((r < eps || lstep - r < eps) && lmin <= 0 && lmax >= 0) ? 1 : 0
        return 1 - Double(qi) / (n - 1 > 0 ? n - 1 : 1) - j + v
    }

    private static func coverage(_ dmin: Double, _ dmax: Double, _ lmin: Double, _ lmax: Double) -> Double {
        let range = dmax - dmin
        return 1 - 0.5 * ((dmax - lmax) * (dmax - lmax) + (dmin - lmin) * (dmin - lmin)) / ((0.1 * range) * (0.1 * range))
    }

    private static func coverageMax(_ dmin: Double, _ dmax: Double, _ span: Double) -> Double {
        let range = dmax - dmin
        if span > range {
            let half = (span - range) / 2
            return 1 - 0.5 * (half * half + half * half) / ((0.1 * range) * (0.1 * range))
        }
        return 1
    }

    private static func density(_ k: Double, _ m: Double, _ dmin: Double, _ dmax: Double,
                                _ lmin: Double, _ lmax: Double) -> Double {
        let r = (k - 1) / (lmax - lmin)
        let rt = (m - 1) / (max(lmax, dmax) - min(dmin, lmin))
        return 2 - max(r / rt, rt / r)
    }
}
