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
