import Tensor

/// How the elements move, on per-image shapes (the batch axis is never touched).
public enum IndexMovement: Sendable, Equatable {
    /// Permutes the per-image axes (ONNX's perm without the batch axis, shifted down by one).
    case transpose(perm: [Int])
    /// Joins the inputs along a per-image axis.
    case concat(axis: Int)
    /// Cuts the input along a per-image axis into pieces of these sizes.
    case split(axis: Int, sizes: [Int])
    /// Keeps, along each per-image axis, the elements start, start + step, … before end.
    case slice(starts: [Int], ends: [Int], steps: [Int])
    /// Adds zeros before and after each per-image axis (ONNX's Pad in constant mode with value 0).
    case pad(before: [Int], after: [Int])
}

/// Ops that only move elements, the same way in every image: Transpose, Concat, Split, Slice and
/// zero Pad. Each output element of an image is one element of one input image (or a padding
/// zero), so forward is a gather,
/// backward a scatter-add, and both R-operator passes are the same maps applied to tangents.
public final class IndexOp<Scalar: TensorScalar>: GraphOp {
    public typealias Movement = IndexMovement

    public let movement: Movement
    public let opType: String
    /// The per-image maps for the input shapes last seen: for each output, each element's input and offset.
    private var maps: (inputs: [[Int]], sources: [[(input: Int, offset: Int)]])?
    private var inputShapes: [[Int]] = []

    public init(_ movement: Movement) {
        self.movement = movement
        switch movement {
        case .transpose: opType = "Transpose"
        case .concat: opType = "Concat"
        case .split: opType = "Split"
        case .slice: opType = "Slice"
        case .pad: opType = "Pad"
        }
    }

    /// Per-image output shapes for per-image input shapes.
    func sampleOutputShapes(_ ins: [[Int]]) throws(ShapeError) -> [[Int]] {
        guard let x = ins.first else { throw ShapeError("\(opType) needs an input") }
        func axisOK(_ a: Int, _ rank: Int) throws(ShapeError) {
            guard (0..<rank).contains(a) else { throw ShapeError("\(opType) axis \(a + 1) is not a per-image axis of rank \(rank + 1)") }
        }
        switch movement {
        case let .transpose(perm):
            guard perm.sorted() == Array(0..<x.count) else { throw ShapeError("Transpose perm does not fit shape \(x)") }
            return [perm.map { x[$0] }]
        case let .concat(axis):
            try axisOK(axis, x.count)
            var out = x
            out[axis] = 0
            for s in ins {
                guard s.count == x.count, s.indices.allSatisfy({ $0 == axis || s[$0] == x[$0] }) else {
                    throw ShapeError("Concat inputs \(ins) differ off axis \(axis + 1)")
                }
                out[axis] += s[axis]
            }
            return [out]
        case let .split(axis, sizes):
            try axisOK(axis, x.count)
            guard sizes.reduce(0, +) == x[axis], sizes.allSatisfy({ $0 >= 0 }) else {
                throw ShapeError("Split sizes \(sizes) do not add up to \(x[axis])")
            }
            return sizes.map { var s = x; s[axis] = $0; return s }
        case let .pad(before, after):
            guard before.count == x.count, after.count == x.count, (before + after).allSatisfy({ $0 >= 0 }) else {
                throw ShapeError("Pad \(before) / \(after) does not fit shape \(x)")
            }
            return [x.indices.map { x[$0] + before[$0] + after[$0] }]
        case let .slice(starts, ends, steps):
            guard starts.count == x.count, ends.count == x.count, steps.count == x.count, steps.allSatisfy({ $0 > 0 }) else {
                throw ShapeError("Slice ranges do not fit shape \(x)")
            }
            return [try x.indices.map { (d: Int) throws(ShapeError) -> Int in
                let (s, e) = (starts[d], ends[d])
                guard s >= 0, e <= x[d] else { throw ShapeError("Slice \(s)..<\(e) is outside 0..<\(x[d])") }
                return e <= s ? 0 : (e - s + steps[d] - 1) / steps[d]
            }]
        }
    }

    public func outputShapes(for inputs: [[Int]]) throws(ShapeError) -> [[Int]] {
        guard let n = inputs.first?.first else { throw ShapeError("\(opType) needs batched inputs") }
        guard inputs.allSatisfy({ $0.first == n }) else { throw ShapeError("\(opType) inputs have different batches: \(inputs)") }
        return try sampleOutputShapes(inputs.map { Array($0.dropFirst()) }).map { [n] + $0 }
    }

    /// For each output, each element's (input, offset), for per-image input shapes `ins`; input −1
    /// is a padding zero.
    private func sources(_ ins: [[Int]]) -> [[(input: Int, offset: Int)]] {
        if let m = maps, m.inputs == ins { return m.sources }
        guard let outs = try? sampleOutputShapes(ins) else { return [] }
        var result: [[(input: Int, offset: Int)]] = []
        let st = ins.map { TensorShape.strides(of: $0) }
        func offset(_ k: Int, _ idx: [Int]) -> Int { zip(idx, st[k]).reduce(0) { $0 + $1.0 * $1.1 } }
        switch movement {
        case let .transpose(perm):
            var src: [(input: Int, offset: Int)] = []
            TensorShape.forEachIndex(of: outs[0]) { o in
                var i = [Int](repeating: 0, count: perm.count)
                for (d, p) in perm.enumerated() { i[p] = o[d] }
                src.append((0, offset(0, i)))
            }
            result = [src]
        case let .concat(axis):
            var src: [(input: Int, offset: Int)] = []
            let bounds = ins.reduce(into: [0]) { $0.append(($0.last ?? 0) + $1[axis]) }
            TensorShape.forEachIndex(of: outs[0]) { o in
                var k = 0
                while o[axis] >= bounds[k + 1] { k += 1 }
                var i = o
                i[axis] -= bounds[k]
                src.append((k, offset(k, i)))
            }
            result = [src]
        case let .split(axis, sizes):
            var start = 0
            for (j, size) in sizes.enumerated() {
                var src: [(input: Int, offset: Int)] = []
                TensorShape.forEachIndex(of: outs[j]) { o in
                    var i = o
                    i[axis] += start
                    src.append((0, offset(0, i)))
                }
                start += size
                result.append(src)
            }
        case let .slice(starts, _, steps):
            var src: [(input: Int, offset: Int)] = []
            TensorShape.forEachIndex(of: outs[0]) { o in
                src.append((0, offset(0, o.indices.map { starts[$0] + o[$0] * steps[$0] })))
            }
            result = [src]
        case let .pad(before, _):
            var src: [(input: Int, offset: Int)] = []
            let x = ins[0]
            TensorShape.forEachIndex(of: outs[0]) { o in
                let i = o.indices.map { o[$0] - before[$0] }
                let inside = i.indices.allSatisfy { i[$0] >= 0 && i[$0] < x[$0] }
                src.append(inside ? (0, offset(0, i)) : (-1, 0))
            }
            result = [src]
        }
        maps = (ins, result)
        return result
    }

    private func gather(_ inputs: [Tensor<Scalar>]) -> [Tensor<Scalar>] {
        let n = inputs[0].shape[0]
        let ins = inputs.map { Array($0.shape.dropFirst()) }
        guard let outs = try? sampleOutputShapes(ins) else { return [] }
        let values = inputs.map(\.scalars)
        let sizes = ins.map { TensorShape.count(of: $0) }
        return zip(sources(ins), outs).map { src, shape in
            var y = Tensor<Scalar>(uninitialized: [n] + shape)
            let m = src.count
            y.withUnsafeMutableBufferPointer { yp in
                for b in 0..<n {
                    for (j, s) in src.enumerated() {
                        yp[b * m + j] = s.input < 0 ? 0 : values[s.input][b * sizes[s.input] + s.offset]
                    }
                }
            }
            return y
        }
    }

    private func scatter(_ grads: [Tensor<Scalar>], needs: [Bool]) -> [Tensor<Scalar>?] {
        guard let n = inputShapes.first?.first else { return [] }
        let ins = inputShapes.map { Array($0.dropFirst()) }
        let sizes = ins.map { TensorShape.count(of: $0) }
        var acc = ins.map { [Scalar](repeating: 0, count: n * TensorShape.count(of: $0)) }
        for (g, src) in zip(grads, sources(ins)) {
            let values = g.scalars
            let m = src.count
            guard values.count == n * m else { continue }   // an output nobody differentiates
            for b in 0..<n {
                for (j, s) in src.enumerated() where s.input >= 0 { acc[s.input][b * sizes[s.input] + s.offset] += values[b * m + j] }
            }
        }
        return acc.indices.map { needs[$0] ? Tensor(shape: inputShapes[$0], scalars: acc[$0]) : nil }
    }

    public func forward(_ inputs: [Tensor<Scalar>], mode: ForwardMode) -> [Tensor<Scalar>] {
        inputShapes = inputs.map(\.shape)
        return gather(inputs)
    }

    public func backward(_ outputGrads: [Tensor<Scalar>], needs: [Bool]) -> [Tensor<Scalar>?] {
        scatter(outputGrads, needs: needs)
    }

    public func forwardR(_ inputTangents: [Tensor<Scalar>?]) -> [Tensor<Scalar>] {
        gather(zip(inputTangents, inputShapes).map { $0 ?? Tensor(zeros: $1) })
    }

    public func backwardR(_ rOutputGrads: [Tensor<Scalar>], needs: [Bool]) -> [Tensor<Scalar>?] {
        scatter(rOutputGrads, needs: needs)
    }

    public func reachableOutputs(from inputs: [[Bool]?], inputShapes shapes: [[Int]],
                                 kept: (Parameter<Scalar>) -> [UInt8]?) -> [[Bool]] {
        let ins = shapes.map { Array($0.dropFirst()) }
        guard let outs = try? sampleOutputShapes(ins) else { return [] }
        let elements = zip(inputs, ins).map { UnitIndicator.expand($0, sampleShape: $1) }
        return zip(sources(ins), outs).map { src, shape in
            UnitIndicator.reduce(src.map { $0.input >= 0 && elements[$0.input][$0.offset] }, sampleShape: shape)
        }
    }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any GraphOp<Other> { IndexOp<Other>(movement) }
}
