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
