import Glibc

/// How the kept fraction shrinks over the steps of an iterative pruning method.
public enum DensitySchedule: String, Sendable, CaseIterable {
    /// d_t = exp(−t·(−ln d)/T): the FORCE code's default, computed in Double in that order.
    case exponential = "exp"
    /// d_t = 1 − t·(1 − d)/T.
    case linear = "linear"

    /// Densities after steps 1…T for final density `density` (0 < density ≤ 1).
    public func densities(final density: Double, steps: Int) -> [Double] {
        precondition(steps >= 1 && density > 0 && density <= 1)
        let T = Double(steps)
        return (1...steps).map { t in
            switch self {
            case .exponential: return exp(0 - (Double(t) * (0 - log(density))) / T)
            case .linear: return 1 - Double(t) * (1 - density) / T
            }
        }
    }

    /// Weights kept at density `d` out of `total`: floor(total · d) in Double.
    public static func keptCount(total: Int, density: Double) -> Int {
        Int((Double(total) * density).rounded(.down))
    }
}
