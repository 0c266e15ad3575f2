import Datasets
import NeuralNet
import Support
import Tensor
import Testing
import Training

@Suite struct TrainerTests {
    func digitsNet(seed: UInt64 = 0) throws -> Network<Float> {
        try ModelZoo.build(ModelSpec(name: "lenet300", input: [1, 8, 8], classes: 10, seed: seed))
    }

    @Test func learnsTheDigits() throws {
        let net = try digitsNet()
        let run = try Trainer.train(net, train: try BundledDigits.split(.train), test: try BundledDigits.split(.test),
                                    normalization: .digits,
                                    options: TrainingOptions(epochs: 5, batchSize: 32, learningRate: 0.05))
        #expect(run.epochs.count == 5)
        #expect(run.steps == 5 * 44)
        #expect((run.test?.accuracy ?? 0) > 0.85)
        #expect(run.epochs.last.map { $0.loss < run.epochs[0].loss } == true)
    }

    @Test func sameSeedBitIdenticalWeights() throws {
        let train = try BundledDigits.split(.train)
        func weights() throws -> [Tensor<Float>] {
            let net = try digitsNet(seed: 4)
            _ = try Trainer.train(net, train: train, test: nil, normalization: .digits,
                                  options: TrainingOptions(epochs: 1, batchSize: 32, learningRate: 0.05, seed: 9))
            return net.namedParameters.map(\.parameter.value)
        }
        #expect(try weights() == weights())
    }

    @Test func prunedWeightsStayExactlyZero() throws {
        let net = try digitsNet()
        var rng = Philox(seed: 1)
        for (_, p) in net.prunable {
            p.mask = Tensor<Float>(shape: p.shape, scalars: (0..<p.value.count).map { _ in rng.uniformFloat() < 0.2 ? 1 : 0 })
        }
        _ = try Trainer.train(net, train: try BundledDigits.split(.train), test: nil, normalization: .digits,
                              options: TrainingOptions(epochs: 2, batchSize: 32, learningRate: 0.05))
        for (_, p) in net.prunable {
            guard let m = p.mask else { Issue.record("mask lost"); continue }
            var kept = 0
            for i in 0..<m.count {
                if m[flat: i] == 0 { #expect(p.value[flat: i] == 0) } else if p.value[flat: i] != 0 { kept += 1 }
            }
            #expect(kept > 0)
        }
    }

    @Test func divergenceNamesTheStep() throws {
        let net = try digitsNet()
        #expect {
            _ = try Trainer.train(net, train: try BundledDigits.split(.train), test: nil, normalization: .digits,
                                  options: TrainingOptions(epochs: 3, batchSize: 32, learningRate: 1e6))
        } throws: { error in
            guard case let .diverged(step, _, _, lr)? = error as? TrainingError else { return false }
            return step >= 1 && lr == 1e6 && "\(error)".contains("try a lower learning rate")
        }
    }

    /// `onDivergence: .stop`: the same run ends at the step the error names instead of throwing,
    /// with the steps before it, the divergence reported and the network evaluated as it is.
    @Test func divergenceCanEndTheRunInstead() throws {
        let options = TrainingOptions(epochs: 3, batchSize: 32, learningRate: 1e6)
        var thrownStep = 0
        do {
            _ = try Trainer.train(try digitsNet(), train: try BundledDigits.split(.train), test: nil, normalization: .digits, options: options)
        } catch let TrainingError.diverged(step, _, _, _) { thrownStep = step }
        #expect(thrownStep >= 1)
        let run = try Trainer.train(try digitsNet(), train: try BundledDigits.split(.train), test: try BundledDigits.split(.test),
                                    normalization: .digits, options: options.with(onDivergence: .stop))
        guard case let .diverged(step, _, loss, _)? = run.diverged else { Issue.record("no divergence reported"); return }
        #expect(step == thrownStep && !loss.isFinite)
        #expect(run.steps == step - 1)
        #expect(!run.cancelled)
        let test = try #require(run.test)
        #expect(test.count == 400 && test.accuracy >= 0 && test.accuracy <= 1)
    }

    @Test func cancellationStopsBetweenBatches() throws {
        final class CancelAfter: TrainingProgress {
            let token: CancellationToken, after: Int
            init(_ t: CancellationToken, after: Int) { token = t; self.after = after }
            func epochStarted(epoch: Int, of epochs: Int, batches: Int) {}
            func batchFinished(batch: Int, of batches: Int, loss: Double, accuracy: Double, imagesPerSecond: Double, eta: Double) {
                if batch == after { token.cancel() }
            }
            func epochFinished(_ metrics: EpochMetrics) {}
            func finished(_ run: TrainingRun) {}
        }
        let token = CancellationToken()
        let net = try digitsNet()
        let run = try Trainer.train(net, train: try BundledDigits.split(.train), test: try BundledDigits.split(.test),
                                    normalization: .digits, options: TrainingOptions(epochs: 3, batchSize: 32, learningRate: 0.05),
                                    progress: CancelAfter(token, after: 5), cancel: token)
        #expect(run.cancelled)
        #expect(run.steps == 5)
        #expect(run.test != nil)
        #expect(net.namedParameters.allSatisfy { p in (0..<p.parameter.value.count).allSatisfy { p.parameter.value[flat: $0].isFinite } })
    }

    @Test func stepsOverrideEpochs() throws {
        let net = try digitsNet()
        let run = try Trainer.train(net, train: try BundledDigits.split(.train), test: nil, normalization: .digits,
                                    options: TrainingOptions(epochs: 10, steps: 50, batchSize: 32))
        #expect(run.steps == 50)
        #expect(run.epochs.count == 2)
    }

    @Test func rejectsMismatchedData() throws {
        let net = try ModelZoo.build(ModelSpec(name: "lenet300"))
        #expect(throws: TrainingError.self) {
            _ = try Trainer.train(net, train: try BundledDigits.split(.train), test: nil, normalization: .digits, options: TrainingOptions())
        }
    }

    @Test func schedules() {
        let s = LearningRateSchedule.multiStep(milestones: [2, 4], gamma: 0.1)
        #expect(s.rate(base: 1, step: 19, stepsPerEpoch: 10, totalSteps: 60) == 1)
        #expect(abs(s.rate(base: 1, step: 20, stepsPerEpoch: 10, totalSteps: 60) - 0.1) < 1e-15)
        #expect(abs(s.rate(base: 1, step: 45, stepsPerEpoch: 10, totalSteps: 60) - 0.01) < 1e-15)
        #expect(LearningRateSchedule.step(every: 3, gamma: 0.5).rate(base: 2, step: 30, stepsPerEpoch: 10, totalSteps: 100) == 1)
        #expect(abs(LearningRateSchedule.cosine.rate(base: 2, step: 50, stepsPerEpoch: 10, totalSteps: 100) - 1) < 1e-12)
        #expect(LearningRateSchedule.constant.rate(base: 0.4, step: 1, stepsPerEpoch: 10, totalSteps: 100, warmupSteps: 4) == 0.2)
    }

    @Test func consoleProgressIsQuietOffTerminal() throws {
        var out = ""
        let p = ConsoleProgress(interactive: false) { out += $0 }
        let net = try digitsNet()
        _ = try Trainer.train(net, train: try BundledDigits.split(.train), test: try BundledDigits.split(.test),
                              normalization: .digits, options: TrainingOptions(epochs: 2, batchSize: 64), progress: p)
        #expect(out.hasPrefix("trained 2 epochs (44 steps) in "))
        #expect(out.contains("test accuracy"))
        #expect(out.split(separator: "\n").count == 1)
    }

    @Test func plainProgressLinesForLogs() throws {
        var out = ""
        // interval 0: a plain line after every batch, then the summary; never a terminal escape
        let p = ConsoleProgress(interactive: false, plainInterval: 0) { out += $0 }
        let net = try digitsNet()
        _ = try Trainer.train(net, train: try BundledDigits.split(.train), test: nil,
                              normalization: .digits, options: TrainingOptions(epochs: 2, batchSize: 64), progress: p)
        let lines = out.split(separator: "\n")
        #expect(lines.count == 44 + 1, "\(out)")
        #expect(lines.first?.hasPrefix("epoch 1/2  1/22  loss ") == true, "\(out)")
        #expect(lines.last?.hasPrefix("trained 2 epochs (44 steps)") == true, "\(out)")
        #expect(!out.contains("\u{1B}") && !out.contains("\r"))
    }

    @Test func interruptedProgressEndsItsLineAndSaysNothingElse() throws {
        var out = ""
        let p = ConsoleProgress(interactive: true) { out += $0 }
        let token = CancellationToken()
        let net = try digitsNet()
        final class CancelAfterFirstBatch: TrainingProgress {
            let inner: ConsoleProgress, token: CancellationToken
            init(_ inner: ConsoleProgress, _ token: CancellationToken) { self.inner = inner; self.token = token }
            func epochStarted(epoch: Int, of epochs: Int, batches: Int) { inner.epochStarted(epoch: epoch, of: epochs, batches: batches) }
            func batchFinished(batch: Int, of batches: Int, loss: Double, accuracy: Double, imagesPerSecond: Double, eta: Double) {
                inner.batchFinished(batch: batch, of: batches, loss: loss, accuracy: accuracy, imagesPerSecond: imagesPerSecond, eta: eta)
                token.cancel()
            }
            func epochFinished(_ metrics: EpochMetrics) { inner.epochFinished(metrics) }
            func finished(_ run: TrainingRun) { inner.finished(run) }
        }
        let run = try Trainer.train(net, train: try BundledDigits.split(.train), test: nil, normalization: .digits,
                                    options: TrainingOptions(epochs: 2, batchSize: 64), progress: CancelAfterFirstBatch(p, token),
                                    cancel: token)
        #expect(run.cancelled)
        #expect(out.hasSuffix("\n"), "the progress line is ended: \(out.debugDescription)")
        #expect(!out.contains("Interrupted"), "the caller reports the interruption once: \(out.debugDescription)")
    }

    /// Friction 9: a seeded validation split, reported beside the test accuracy.
    @Test func validationSplitIsHeldOutAndSeeded() throws {
        let train = try BundledDigits.split(.train), test = try BundledDigits.split(.test)
        var options = TrainingOptions(epochs: 2, batchSize: 64, seed: 3)
        options.validationFraction = 0.2
        let a = try Trainer.train(try digitsNet(), train: train, test: test, normalization: .digits, options: options)
        let held = Int((Double(train.count) * 0.2).rounded())   // 279 of 1397
        #expect(a.validation?.count == held)
        #expect(a.test?.count == test.count)
        #expect(a.steps == 2 * ((train.count - held + 63) / 64), "training sees only the rest")
        #expect(a.epochs.allSatisfy { $0.validationAccuracy != nil && $0.testAccuracy != nil })
        // the same seed holds out the same images: the same run again
        let b = try Trainer.train(try digitsNet(), train: train, test: test, normalization: .digits, options: options)
        #expect(a.validation == b.validation)
        options.validationFraction = 0
        let plain = try Trainer.train(try digitsNet(), train: train, test: test, normalization: .digits, options: options)
        #expect(plain.validation == nil && plain.epochs.allSatisfy { $0.validationAccuracy == nil })
        options.validationFraction = 0.9999
        #expect(throws: TrainingError.self) {
            try Trainer.train(try digitsNet(), train: train.prefix(10), test: nil, normalization: .digits, options: options)
        }
    }

    /// Friction 9: weight decay can skip biases and BatchNorm, as PyTorch parameter groups do.
    @Test func weightDecayExclusions() throws {
        let resnet = try ModelZoo.build(ModelSpec(name: "resnet20", classes: 10, width: 0.25))
        let names = resnet.namedParameters.map(\.name)
        let bn = try WeightDecayExclusion.flags(for: resnet, rules: ["bn"])
        let excluded = zip(names, bn).filter { $0.1 }.map { $0.0 }
        #expect(excluded == resnet.batchNormParameterNames)
        #expect(excluded.contains("bn1.weight") && excluded.contains("bn1.bias") && !excluded.contains("conv1.weight"))
        let bias = try WeightDecayExclusion.flags(for: resnet, rules: ["bias"])
        #expect(zip(names, bias).filter { $0.1 }.allSatisfy { $0.0.hasSuffix(".bias") })
        let fc = try WeightDecayExclusion.flags(for: resnet, rules: ["fc.*"])
        #expect(zip(names, fc).filter { $0.1 }.map { $0.0 } == ["fc.weight", "fc.bias"])
        #expect(throws: TrainingError.self) { try WeightDecayExclusion.flags(for: resnet, rules: ["bias", "batchnorm"]) }
        // SGD: a zero gradient with decay shrinks a weight; an excluded one stays
        let a = Parameter(Tensor<Float>(shape: [2], scalars: [1, 2]), role: .bias), b = Parameter(Tensor<Float>(shape: [2], scalars: [1, 2]), role: .bias)
        let sgd = SGD(parameters: [a, b], learningRate: 1, weightDecay: 0.5, decayFree: [false, true])
        a.grad = Tensor<Float>(zeros: [2]); b.grad = Tensor<Float>(zeros: [2])
        sgd.step()
        #expect(a.value.scalars == [0.5, 1])
        #expect(b.value.scalars == [1, 2])
    }
}
