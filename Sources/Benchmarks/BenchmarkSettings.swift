import Tensor

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

    /// Wall times of `body`, sorted, after two warm-up calls: at least `minRuns` calls, more
    /// while under `seconds` (at most 2000).
    func timedRuns(_ body: () -> Void) -> [Double] {
        for _ in 0..<2 { body() }
        var times: [Double] = []
        let start = Clock.now
        while times.count < minRuns || (Clock.now - start < seconds && times.count < 2000) {
            let t0 = Clock.now
            body()
            times.append(Clock.now - t0)
        }
        return times.sorted()
    }

    /// The benchmarks' batch: normal inputs of shape `[batch] + input` and labels below 10,
    /// the same for every benchmark.
    func randomBatch(input: [Int]) -> (inputs: Tensor<Float>, labels: [Int]) {
        var rng = Philox(seed: 0, stream: 99)
        let x = Tensor<Float>(shape: [batch] + input,
                              scalars: (0..<(batch * input.reduce(1, *))).map { _ in Float(rng.normal()) })
        return (x, (0..<batch).map { _ in rng.below(10) })
    }
}
