import PruneScript

/// String options of the builtins that have no engine type of their own. Each is a Swift enum
/// so that `help`, completion and argument checking list exactly its `allCases`.

/// `dataset(split:)`: which splits to load.
enum SplitChoice: String, CaseIterable {
    case both, train, test
}

/// The learning-rate schedules of `train`, `imp` and `stability` (`schedule:`).
enum LearningRateScheduleChoice: String, CaseIterable {
    case constant, cosine, step, multistep
}

/// Where a figure's legend goes (`legend:`).
enum LegendChoice: String, CaseIterable {
    case auto, right, none
}

/// `plot(kind:)`.
enum PlotKindChoice: String, CaseIterable {
    case line, scatter
}

/// Axis scales of `plot` (`xscale:`, `yscale:`).
enum AxisScaleChoice: String, CaseIterable {
    case linear, log
    case logPlain = "log-plain"
    case sparsity, compression
}

/// Value-axis scales of `bars`, `layers` and `hist` (no sparsity axes).
enum ValueScaleChoice: String, CaseIterable {
    case linear, log
    case logPlain = "log-plain"
}

/// `normalize(by:)`: what a group of scores is divided by.
enum NormalizeStatistic: String, CaseIterable {
    case sum, mean, max, l2

    func statistic(of v: [Double]) -> Double {
        switch self {
        case .sum: return v.reduce(0, +)
        case .mean: return v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count)
        case .max: return v.map { Swift.abs($0) }.max() ?? 0
        case .l2: return v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        }
    }
}

/// `normalize(per:)`: each tensor on its own, or all scores together.
enum NormalizeGroup: String, CaseIterable {
    case layer, all
}
