import Foundation
import NeuralNet
import Support
import Testing

/// The memory guard (#23): a zoo network's size is known before it is built, and a request far
/// beyond the machine is refused at once instead of allocating until the machine kills it.
@Suite struct ModelGuardTests {
    /// The sizes computed from the specification equal the built networks', for every zoo model.
    @Test(arguments: ModelZoo.names)
    func sizeBeforeBuildingIsExact(name: String) throws {
        for (width, classes) in [(1.0, 10), (0.5, 7), (0.3, 3)] {
            let spec = ModelSpec(name: name, classes: classes, width: width)
            let net = try ModelZoo.build(spec)
            let size = try #require(ModelZoo.size(spec))
            #expect(Int(size.parameters) == net.parameterCount, "\(name) width \(width)")
            #expect(Int(size.buffers) == net.namedBuffers.reduce(0) { $0 + $1.buffer.value.count }, "\(name) width \(width)")
        }
    }

    @Test func absurdModelsAreRefusedBeforeAllocating() throws {
        let start = Date()
        #expect {
            try ModelZoo.build(ModelSpec(name: "resnet110", width: 1000))
        } throws: { error in
            let m = (error as? ModelError)?.message ?? ""
            return m.hasPrefix("resnet110 at width 1000 needs about ") && m.contains("TB for its parameters alone; ")
                && m.contains(" available (")
        }
        #expect(Date().timeIntervalSince(start) < 1, "refused in well under a second")
        #expect(throws: ModelError.self) { try ModelZoo.build(ModelSpec(name: "vgg19", width: 1e300)) }
        #expect(throws: ModelError.self) { try ModelZoo.build(ModelSpec(name: "lenet300", width: 0)) }
        #expect(throws: ModelError.self) { try ModelZoo.build(ModelSpec(name: "lenet300", classes: -5)) }
    }
}

/// The training-step estimate by hand for LeNet-300-100 on 8×8 inputs at batch 10: leaves
/// flatten 64, fc1 300, relu 300, fc2 100, relu 100, fc3 10 (+ the input 64 = 938 numbers per
/// image); 50,610 parameters of which 50,200 are masked weights.
@Test func trainingMemoryByHand() throws {
    let net = try ModelZoo.build(ModelSpec(name: "lenet300", input: [1, 8, 8], classes: 10, seed: 0))
    #expect(net.parameterCount == 50_610 && net.prunableCount == 50_200)
    let m = net.trainingMemory(batch: 10)
    #expect(m.parameters == 4 * (2 * 50_610 + 50_200))
    #expect(m.optimizer == 4 * 50_610)
    #expect(m.activations == 4 * 10 * 938)
    #expect(m.gradients == 4 * 10 * 2 * 300)
    #expect(m.total == m.parameters + m.optimizer + m.activations + m.gradients + TrainingMemory.processBytes)
    // no momentum, a float64 pass, absurd batches (no trap, growing with the batch)
    #expect(net.trainingMemory(batch: 10, optimizerSlots: 0).optimizer == 0)
    #expect(net.trainingMemory(batch: 10, scalarBytes: 8).activations == 8 * 10 * 938)
    #expect(net.trainingMemory(batch: Int.max).activations == 4 * Double(Int.max) * 938)
    #expect(net.trainingMemory(batch: 0).activations == 4 * 938)
}
