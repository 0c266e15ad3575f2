import Datasets
import Tensor
import Testing

@Suite struct LoaderTests {
    func tiny(_ n: Int, channels: Int = 1, side: Int = 4) -> ImageSet {
        let size = channels * side * side
        return ImageSet(name: "tiny", shape: [channels, side, side], classes: 10,
                        pixels: (0..<(n * size)).map { UInt8(($0 / size * 7 + $0 % size) % 256) },
                        labels: (0..<n).map { UInt8($0 % 10) })
    }

    @Test func sameSeedSameBatches() {
        let set = tiny(50)
        let a = DataLoader(images: set, normalization: .digits, batchSize: 8, seed: 3)
        let b = DataLoader(images: set, normalization: .digits, batchSize: 8, seed: 3)
        let x = Array(a.epoch(1)), y = Array(b.epoch(1))
        #expect(x.count == 7 && x.last?.count == 2)
        #expect(zip(x, y).allSatisfy { $0.inputs == $1.inputs && $0.labels == $1.labels })
        #expect(a.order(epoch: 0) != a.order(epoch: 1))
        #expect(a.order(epoch: 0).sorted() == Array(0..<50))
        let c = DataLoader(images: set, normalization: .digits, batchSize: 8, seed: 4)
        #expect(c.order(epoch: 1) != a.order(epoch: 1))
    }

    @Test func normalizationAndOrder() {
        let set = tiny(3)
        let l = DataLoader(images: set, normalization: .mnist, batchSize: 3, shuffle: false)
        let b = Array(l.epoch(0))[0]
        #expect(b.labels == [0, 1, 2])
        let expected = (Float(set.pixels[17]) / 255 - 0.1307) / 0.3081
        #expect(b.inputs[flat: 17] == expected)
        #expect(b.inputs.shape == [3, 1, 4, 4])
    }

    @Test func dropLast() {
        let l = DataLoader(images: tiny(10), normalization: .digits, batchSize: 4, dropLast: true)
        #expect(l.batchesPerEpoch == 2)
        #expect(Array(l.epoch(0)).map(\.count) == [4, 4])
    }

    @Test func augmentationIsSeededAndKeepsPixels() {
        let set = tiny(20, channels: 3, side: 6)
        let l = DataLoader(images: set, normalization: .cifar10, batchSize: 20, shuffle: false, seed: 1, augmentation: .cifar)
        let a = Array(l.epoch(0))[0], b = Array(l.epoch(0))[0], c = Array(l.epoch(1))[0]
        #expect(a.inputs == b.inputs)
        #expect(a.inputs != c.inputs)
        // every output value is a normalized source pixel of its channel or the padding value
        let norm = Normalization.cifar10
        for img in 0..<20 {
            for ch in 0..<3 {
                var allowed = Set<Float>([norm.apply(0, channel: ch)])
                for q in 0..<36 { allowed.insert(norm.apply(set.pixels[img * 108 + ch * 36 + q], channel: ch)) }
                for q in 0..<36 { #expect(allowed.contains(a.inputs[flat: img * 108 + ch * 36 + q])) }
            }
        }
        let plain = Array(l.evaluationBatches())[0]
        #expect(plain.inputs[flat: 5] == norm.apply(set.pixels[5], channel: 0))
    }

    @Test func splitOffIsSeededAndDisjoint() {
        let set = tiny(30)
        let (t, v) = set.splitOff(validation: 6, seed: 2)
        #expect(t.count == 24 && v.count == 6)
        let (t2, _) = set.splitOff(validation: 6, seed: 2)
        #expect(t.pixels == t2.pixels)
        #expect(Set(t.labels.indices.map { t.pixels[$0 * 16] }).isDisjoint(with: Set(v.labels.indices.map { v.pixels[$0 * 16] })))
    }
}
