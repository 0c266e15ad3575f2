/// How long and how much `prunebook bench` measures.
package struct BenchmarkSettings {
    package var batch: Int
    package var quick: Bool
    /// Also time whole FORCE and Iterative SNIP runs of 60 steps.
    package var fullRuns = false

    package init(batch: Int, quick: Bool, fullRuns: Bool = false) {
        self.batch = batch
        self.quick = quick
        self.fullRuns = fullRuns
    }
    /// Seconds of timed steps per model.
    var seconds: Double { quick ? 1.5 : 6 }
    var minRuns: Int { quick ? 3 : 7 }
}
