/// How big a zoo network is before it is built: its parameter and buffer scalars, computed from
/// the specification the way the builders lay the layers out, so that a request far beyond the
/// machine's memory is refused before anything is allocated (a test checks these counts against
/// every built network). Doubles, so absurd widths neither overflow nor trap.
extension ModelZoo {
    public struct Size: Sendable, Equatable {
        /// Weights and biases, BatchNorm's scale and shift included.
        public var parameters: Double
        /// BatchNorm running statistics.
        public var buffers: Double

        /// Bytes of the float32 values alone.
        public var bytes: Double { 4 * (parameters + buffers) }
    }

    /// The size of `spec`'s network; nil for a name the zoo does not know (build says why).
    public static func size(_ spec: ModelSpec) -> Size? {
        let input = spec.input ?? defaultInput(for: spec.name)
        guard input.count == 3 else { return nil }
        let (c0, h0, w0) = (Double(input[0]), input[1], input[2])
        let classes = Double(spec.classes)
        let w = { (c: Int) -> Double in Swift.max(1, (Double(c) * spec.width).rounded(.toNearestOrEven)) }
        var params = 0.0, buffers = 0.0
        func linear(_ i: Double, _ o: Double, bias: Bool = true) { params += i * o + (bias ? o : 0) }
        func conv(_ i: Double, _ o: Double, _ k: Double, bias: Bool) { params += i * o * k * k + (bias ? o : 0) }
        func batchNorm(_ c: Double) { params += 2 * c; buffers += 2 * c }

        switch spec.name {
        case "lenet300", "mlp":
            linear(c0 * Double(h0 * w0), w(300)); linear(w(300), w(100)); linear(w(100), classes)
        case "lenet5":
            let hh = Double(Swift.max(0, (h0 / 2 - 4) / 2)), ww = Double(Swift.max(0, (w0 / 2 - 4) / 2))
            conv(c0, w(6), 5, bias: true); conv(w(6), w(16), 5, bias: true)
            linear(w(16) * hh * ww, w(120)); linear(w(120), w(84)); linear(w(84), classes)
        case "conv2", "conv4", "conv6":
            guard let depth = Int(spec.name.dropFirst(4)) else { return nil }
            var c = c0, h = h0, wd = w0
            for (i, width) in [64, 64, 128, 128, 256, 256].prefix(depth).enumerated() {
                conv(c, w(width), 3, bias: true)
                c = w(width)
                if i % 2 == 1 { h /= 2; wd /= 2 }
            }
            linear(c * Double(h * wd), w(256)); linear(w(256), w(256)); linear(w(256), classes)
        case _ where spec.name.hasPrefix("vgg"):
            guard let depth = Int(spec.name.dropFirst(3)), let cfg = VGG.configurations[depth] else { return nil }
            var c = c0
            for v in cfg where v != 0 {
                conv(c, w(v), 3, bias: false); batchNorm(w(v))
                c = w(v)
            }
            linear(c, classes)
        case _ where spec.name.hasPrefix("resnet"):
            guard let depth = Int(spec.name.dropFirst(6)), depth >= 8, (depth - 2) % 6 == 0 else { return nil }
            let n = (depth - 2) / 6
            let widths = [w(16), w(32), w(64)]
            conv(c0, widths[0], 3, bias: false); batchNorm(widths[0])
            var c = widths[0]
            for (stage, width) in widths.enumerated() {
                for b in 0..<n {
                    conv(c, width, 3, bias: false); batchNorm(width)
                    conv(width, width, 3, bias: false); batchNorm(width)
                    if (stage > 0 && b == 0) || c != width { conv(c, width, 1, bias: false); batchNorm(width) }
                    c = width
                }
            }
            linear(c, classes)
        default:
            return nil
        }
        return Size(parameters: params, buffers: buffers)
    }
}
