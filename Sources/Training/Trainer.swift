import Datasets
import Glibc
import NeuralNet
import Support
import Tensor

/// The training loop: minibatch SGD on a network in place, masks kept (pruned weights stay
/// exactly zero), progress reported, cancellation checked between batches, divergence detected.
public enum Trainer {
    public static func train(_ network: Network<Float>, train: ImageSet, test: ImageSet?, normalization: Normalization,
                             options: TrainingOptions, progress: (any TrainingProgress)? = nil,
                             cancel: CancellationToken? = nil) throws(TrainingError) -> TrainingRun {
        try network.withKernels(options.kernels) { () throws(TrainingError) -> TrainingRun in
            try loop(network, train: train, test: test, normalization: normalization, options: options,
                 progress: progress, cancel: cancel)
        }
    }

    private static func loop(_ network: Network<Float>, train: ImageSet, test: ImageSet?, normalization: Normalization,
                            options: TrainingOptions, progress: (any TrainingProgress)?,
                            cancel: CancellationToken?) throws(TrainingError) -> TrainingRun {
        guard train.count > 0 else { throw TrainingError.invalid("training set \(train.name) is empty") }
        guard options.batchSize >= 1 else { throw TrainingError.invalid("batch size must be at least 1, got \(options.batchSize)") }
        guard options.epochs >= 1 || (options.steps ?? 0) >= 1 else {
            throw TrainingError.invalid("train for at least one epoch or step")
        }
        guard Array(train.shape) == network.inputShape else {
            throw TrainingError.invalid("\(network.architecture) takes inputs \(network.inputShape), \(train.name) has \(train.shape)")
        }
        guard train.classes <= network.classes else {
            throw TrainingError.invalid("\(train.name) has \(train.classes) classes, \(network.architecture) has \(network.classes) outputs")
        }
        guard options.validationFraction >= 0 && options.validationFraction < 1 else {
            throw TrainingError.invalid("the validation fraction must be in [0, 1), got \(options.validationFraction)")
        }
        var train = train
        var validationLoader: DataLoader?
        if options.validationFraction > 0 {
            let held = Int((Double(train.count) * options.validationFraction).rounded())
            guard held >= 1, held < train.count else {
                throw TrainingError.invalid("a validation fraction of \(options.validationFraction) holds out \(held) of \(train.count) training images; "
                                            + "it must leave at least one image on each side")
            }
            let split = train.splitOff(validation: held, seed: options.seed)
            train = split.train
            validationLoader = DataLoader(images: split.validation, normalization: normalization, batchSize: 500, shuffle: false)
        }
        // A batch larger than the data set is the whole set (as PyTorch's DataLoader); what a step
        // at that batch holds must fit before the first batch is made.
        let estimate = network.trainingMemory(batch: min(options.batchSize, train.count), optimizerSlots: options.momentum > 0 ? 1 : 0)
        do {
            try MemoryBudget.check(estimate.total, for: "training \(network.architecture) at batch \(min(options.batchSize, train.count))",
                                   detail: estimate.breakdown)
        } catch { throw TrainingError.invalid(error.description) }
        let decayFree = try WeightDecayExclusion.flags(for: network, rules: options.weightDecayExclude)
        let loader = DataLoader(images: train, normalization: normalization, batchSize: options.batchSize,
                                shuffle: true, seed: options.seed, augmentation: options.augmentation)
        let testLoader = test.map { DataLoader(images: $0, normalization: normalization, batchSize: 500, shuffle: false) }
        let perEpoch = loader.batchesPerEpoch
        let totalSteps = options.steps ?? options.epochs * perEpoch
        let endStep = min(totalSteps, options.stopStep ?? totalSteps)
        let epochs = (endStep + perEpoch - 1) / perEpoch
        network.applyMasks()
        let sgd = SGD(parameters: network.namedParameters.map(\.parameter), learningRate: options.learningRate,
                      momentum: options.momentum, nesterov: options.nesterov, weightDecay: options.weightDecay,
                      decayFree: decayFree)
        var run = TrainingRun(epochs: [], steps: 0, cancelled: false, test: nil, seconds: 0)
        let start = now()
        // resuming at `startStep` (IMP rewinding): the schedule and the data order carry on from there
        run.steps = min(options.startStep, endStep)
        let firstStep = run.steps
        epochLoop: for epoch in (run.steps / perEpoch)..<epochs {
            let epochStart = now()
            var lossSum = 0.0, correct = 0, seen = 0, batchIndex = 0
            let firstBatch = run.steps - epoch * perEpoch
            let batchesThisEpoch = min(perEpoch, endStep - epoch * perEpoch) - firstBatch
            progress?.epochStarted(epoch: epoch + 1, of: epochs, batches: batchesThisEpoch)
            let order = loader.order(epoch: epoch)
            for index in firstBatch..<(firstBatch + batchesThisEpoch) {
                if cancel?.isCancelled == true { run.cancelled = true; break epochLoop }
                guard let batch = loader.batch(index, of: order, epoch: epoch) else { break }
                sgd.learningRate = options.schedule.rate(base: options.learningRate, step: run.steps, stepsPerEpoch: perEpoch,
                                                         totalSteps: totalSteps, warmupSteps: options.warmupSteps)
                network.zeroGradients()
                let logits = network.forward(batch.inputs, mode: .train)
                let (loss, grad) = Loss.crossEntropy.evaluate(logits: logits, labels: batch.labels)
                guard loss.isFinite else {
                    let divergence = TrainingError.diverged(step: run.steps + 1, epoch: epoch + 1, loss: loss, learningRate: sgd.learningRate)
                    guard options.onDivergence == .stop else { throw divergence }
                    run.diverged = divergence
                    break epochLoop
                }
                network.backward(grad)
                sgd.step()
                run.steps += 1
                batchIndex += 1
                lossSum += loss * Double(batch.count)
                correct += Evaluation.correct(logits: logits, labels: batch.labels)
                seen += batch.count
                let elapsed = now() - epochStart
                progress?.batchFinished(batch: batchIndex, of: batchesThisEpoch, loss: lossSum / Double(seen),
                                        accuracy: Double(correct) / Double(seen),
                                        imagesPerSecond: Double(seen) / max(elapsed, 1e-9),
                                        // the whole run's remaining steps at this run's pace so far
                                        eta: (now() - start) / Double(max(1, run.steps - firstStep)) * Double(endStep - run.steps))
            }
            guard seen > 0 else { break }
            let seconds = now() - epochStart
            var metrics = EpochMetrics(epoch: epoch + 1, loss: lossSum / Double(seen), trainAccuracy: Double(correct) / Double(seen),
                                       testAccuracy: nil, testLoss: nil, seconds: seconds,
                                       imagesPerSecond: Double(seen) / max(seconds, 1e-9), learningRate: sgd.learningRate)
            let last = epoch == epochs - 1 || run.steps >= endStep
            if let validationLoader, options.evaluateEachEpoch || last {
                let v = Evaluation.run(network, on: validationLoader)
                metrics.validationAccuracy = v.accuracy
                metrics.validationLoss = v.loss
                if last { run.validation = v }
            }
            if let testLoader, options.evaluateEachEpoch || last {
                let e = Evaluation.run(network, on: testLoader)
                metrics.testAccuracy = e.accuracy
                metrics.testLoss = e.loss
                if last { run.test = e }
            }
            run.epochs.append(metrics)
            progress?.epochFinished(metrics)
        }
        // cancelled, diverged, or nothing left to train (start at the end): evaluate what there is
        if run.test == nil, let testLoader { run.test = Evaluation.run(network, on: testLoader) }
        if run.validation == nil, let validationLoader { run.validation = Evaluation.run(network, on: validationLoader) }
        run.seconds = now() - start
        progress?.finished(run)
        return run
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
