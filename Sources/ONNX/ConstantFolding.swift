import Tensor

/// Evaluates, when the file is read, the nodes whose inputs are all known: the shape
/// computations exporters emit around Reshape (Shape → Gather → Unsqueeze → Concat, with Div and
/// Mul for a channel shuffle's group size), Constant nodes, and transposed weights. The batch
/// appears in these as `GraphImporter.probeBatch`, so a Reshape can tell where it went.
enum ConstantFolding {
    /// Operators this evaluator knows.
    static let operators: Set<String> = [
        "Constant", "Identity", "Cast", "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Slice",
        "Add", "Sub", "Mul", "Div", "Reshape", "Transpose", "ConstantOfShape", "Floor", "Ceil", "Neg", "Sqrt",
        "Range", "Equal", "Where", "Max", "Min",
    ]

    /// Most elements a constant computation reads or makes (64 Mi: shape arithmetic is tiny, a
    /// transposed weight is the largest thing folded; a hostile file cannot make it allocate more).
    static let maxFolded = 1 << 26

    static func axis(_ a: Int, rank: Int, fail: (String) -> ONNXError) throws(ONNXError) -> Int {
        let r = a < 0 ? a + rank : a
        guard r >= 0, r < max(rank, 1) else { throw fail("axis \(a) is outside rank \(rank)") }
        return r
    }

    /// Elementwise with broadcasting.
    static func binary(_ a: ConstantTensor, _ b: ConstantTensor, integer: Bool,
                       _ f: (Double, Double) -> Double, fail: (String) -> ONNXError) throws(ONNXError) -> ConstantTensor {
        let rank = max(a.shape.count, b.shape.count)
        let pa = [Int](repeating: 1, count: rank - a.shape.count) + a.shape
        let pb = [Int](repeating: 1, count: rank - b.shape.count) + b.shape
        var out: [Int] = []
        for (x, y) in zip(pa, pb) {
            guard x == y || x == 1 || y == 1 else { throw fail("shapes \(a.shape) and \(b.shape) do not broadcast") }
            out.append(x == 1 ? y : x)
        }
        guard let n = ConstantTensor.elementCount(out), n <= maxFolded else {
            throw fail("shapes \(a.shape) and \(b.shape) broadcast to too many elements")
        }
        let (sa, sb) = (TensorShape.strides(of: pa), TensorShape.strides(of: pb))
        let (va, vb) = (a.values, b.values)
        var values: [Double] = []
        TensorShape.forEachIndex(of: out) { i in
            var (oa, ob) = (0, 0)
            for d in 0..<rank {
                if pa[d] != 1 { oa += i[d] * sa[d] }
                if pb[d] != 1 { ob += i[d] * sb[d] }
            }
            values.append(f(va[oa], vb[ob]))
        }
        return ConstantTensor(shape: out, values: values, isInteger: integer)
    }

    /// The outputs of `op` on known inputs (nil entries are absent optional inputs).
    static func evaluate(_ op: String, _ inputs: [ConstantTensor?], _ attrs: NodeAttributes,
                         external: ExternalData) throws(ONNXError) -> [ConstantTensor] {
        let fail = attrs.fail
        guard inputs.reduce(0, { $0 + ($1?.count ?? 0) }) <= maxFolded else {
            throw fail("\(op) on constants of more than \(maxFolded) elements is not evaluated")
        }
        func input(_ i: Int) throws(ONNXError) -> ConstantTensor {
            guard i < inputs.count, let t = inputs[i] else { throw fail("input \(i + 1) is missing") }
            return t
        }
        switch op {
        case "Constant":
            if let t = attrs.tensor("value") { return [try ConstantTensor(t, external: external, fail: fail)] }
            if let v = try attrs.ints("value_ints") { return [ConstantTensor(ints: v)] }
            if attrs.has("value_int") { return [ConstantTensor(ints: [try attrs.int("value_int", default: 0)], shape: [])] }
            if let v = attrs.floats("value_floats") { return [ConstantTensor(shape: [v.count], values: v.map(Double.init), isInteger: false)] }
            if attrs.has("value_float") { return [ConstantTensor(shape: [], values: [try attrs.float("value_float", default: 0)], isInteger: false)] }
            throw fail("Constant without a supported value attribute")
        case "Identity":
            return [try input(0)]
        case "Cast":
            var t = try input(0)
            let to = try attrs.int("to", default: 1)
            t.isInteger = ![1, 10, 11, 16].contains(to)
            if t.isInteger { t.values = t.values.map { $0.rounded(.towardZero) } }
            return [t]
        case "Shape":
            let t = try input(0)
            let rank = t.shape.count
            var start = try attrs.int("start", default: 0), end = try attrs.int("end", default: rank)
            if start < 0 { start += rank }
            if end < 0 { end += rank }
            (start, end) = (min(max(start, 0), rank), min(max(end, 0), rank))
            return [ConstantTensor(ints: Array(t.shape[start..<max(start, end)]))]
        case "Gather":
            let (data, idx) = (try input(0), try input(1))
            guard !data.shape.isEmpty else { throw fail("Gather on a scalar") }
            let ax = try axis(try attrs.int("axis", default: 0), rank: data.shape.count, fail: fail)
            let n = data.shape[ax]
            let outShape = Array(data.shape[..<ax]) + idx.shape + Array(data.shape[(ax + 1)...])
            guard let total = ConstantTensor.elementCount(outShape), total <= maxFolded else { throw fail("Gather makes too many elements") }
            let outer = data.shape[..<ax].reduce(1, *), inner = data.shape[(ax + 1)...].reduce(1, *)
            let source = data.values
            var values: [Double] = []
            for o in 0..<outer {
                for v in idx.ints {
                    let j = v < 0 ? v + n : v
                    guard j >= 0, j < n else { throw fail("Gather index \(v) is outside 0..<\(n)") }
                    for i in 0..<inner { values.append(source[(o * n + j) * inner + i]) }
                }
            }
            return [ConstantTensor(shape: outShape, values: values, isInteger: data.isInteger)]
        case "Unsqueeze", "Squeeze":
            var t = try input(0)
            let axesInput = inputs.count > 1 ? inputs[1]?.ints : nil
            let raw = try attrs.ints("axes") ?? axesInput
            if op == "Unsqueeze" {
                guard let raw else { throw fail("Unsqueeze without axes") }
                let rank = t.shape.count + raw.count
                var shape = t.shape
                for a in try raw.map({ (a: Int) throws(ONNXError) -> Int in try axis(a, rank: rank, fail: fail) }).sorted() {
                    shape.insert(1, at: a)
                }
                t.shape = shape
            } else {
                let axes = try (raw ?? t.shape.indices.filter { t.shape[$0] == 1 }).map { (a: Int) throws(ONNXError) -> Int in
                    try axis(a, rank: t.shape.count, fail: fail)
                }
                for a in axes where t.shape[a] != 1 { throw fail("Squeeze axis \(a) has size \(t.shape[a])") }
                t.shape = t.shape.indices.filter { !axes.contains($0) }.map { t.shape[$0] }
            }
            return [t]
        case "Concat":
            let parts = try inputs.indices.map { (i: Int) throws(ONNXError) -> ConstantTensor in try input(i) }
            guard let first = parts.first else { throw fail("Concat without inputs") }
            let ax = try axis(try attrs.int("axis", default: 0), rank: first.shape.count, fail: fail)
            let outer = first.shape[..<ax].reduce(1, *)
            var values: [Double] = []
            var shape = first.shape
            shape[ax] = 0
            for p in parts {
                guard p.shape.count == first.shape.count else { throw fail("Concat inputs of different ranks") }
                shape[ax] += p.shape[ax]
            }
            let sources = parts.map(\.values)
            for o in 0..<outer {
                for (p, v) in zip(parts, sources) {
                    let block = p.shape[ax...].reduce(1, *)
                    values += v[(o * block)..<((o + 1) * block)]
                }
            }
            return [ConstantTensor(shape: shape, values: values, isInteger: first.isInteger)]
        case "Slice":
            let data = try input(0)
            let starts = try input(1).ints, ends = try input(2).ints
            let axes = inputs.count > 3 ? inputs[3]?.ints ?? Array(0..<starts.count) : Array(0..<starts.count)
            let steps = inputs.count > 4 ? inputs[4]?.ints ?? [Int](repeating: 1, count: starts.count) : [Int](repeating: 1, count: starts.count)
            var lo = [Int](repeating: 0, count: data.shape.count), st = [Int](repeating: 1, count: data.shape.count)
            var outShape = data.shape
            for (k, a) in axes.enumerated() {
                let ax = try axis(a, rank: data.shape.count, fail: fail)
                let range = try SliceRange(start: starts[k], end: ends[k], step: steps[k], size: data.shape[ax], fail: fail)
                (lo[ax], st[ax], outShape[ax]) = (range.start, range.step, range.count)
            }
            let s = TensorShape.strides(of: data.shape)
            let source = data.values
            var values: [Double] = []
            TensorShape.forEachIndex(of: outShape) { i in values.append(source[i.indices.reduce(0) { $0 + (lo[$1] + i[$1] * st[$1]) * s[$1] }]) }
            return [ConstantTensor(shape: outShape, values: values, isInteger: data.isInteger)]
        case "Add", "Sub", "Mul", "Div", "Max", "Min", "Equal":
            let (a, b) = (try input(0), try input(1))
            let integer = a.isInteger && b.isInteger
            let f: (Double, Double) -> Double
            switch op {
            case "Add": f = (+)
            case "Sub": f = (-)
            case "Mul": f = (*)
            case "Max": f = { Swift.max($0, $1) }
            case "Min": f = { Swift.min($0, $1) }
            case "Equal": f = { $0 == $1 ? 1 : 0 }
            default:
                if integer, b.values.contains(0) { throw fail("integer division by zero") }
                f = integer ? { ($0 / $1).rounded(.towardZero) } : (/)
            }
            return [try binary(a, b, integer: integer || op == "Equal", f, fail: fail)]
        case "Where":
            let (c, a, b) = (try input(0), try input(1), try input(2))
            let ab = try binary(a, b, integer: a.isInteger && b.isInteger, { x, _ in x }, fail: fail)
            let ba = try binary(b, a, integer: a.isInteger && b.isInteger, { x, _ in x }, fail: fail)
            let cc = try binary(c, ab, integer: true, { x, _ in x }, fail: fail)
            return [ConstantTensor(shape: ab.shape, values: zip(cc.values, zip(ab.values, ba.values)).map { $0 != 0 ? $1.0 : $1.1 },
                                   isInteger: ab.isInteger)]
        case "Floor", "Ceil", "Neg", "Sqrt":
            var t = try input(0)
            let f: (Double) -> Double = op == "Floor" ? { $0.rounded(.down) } : op == "Ceil" ? { $0.rounded(.up) }
                : op == "Neg" ? { -$0 } : { $0.squareRoot() }
            t.values = t.values.map(f)
            return [t]
        case "Reshape":
            let t = try input(0)
            let target = try input(1).ints
            return [ConstantTensor(shape: try reshapeTarget(target, from: t.shape, allowZero: try attrs.int("allowzero", default: 0) == 1, fail: fail),
                                   values: t.values, isInteger: t.isInteger)]
        case "Transpose":
            let t = try input(0)
            let perm = try attrs.ints("perm") ?? Array(t.shape.indices.reversed())
            guard perm.sorted() == Array(t.shape.indices) else { throw fail("Transpose perm \(perm) does not fit shape \(t.shape)") }
            let s = TensorShape.strides(of: t.shape)
            let source = t.values
            var values: [Double] = []
            TensorShape.forEachIndex(of: perm.map { t.shape[$0] }) { o in values.append(source[perm.indices.reduce(0) { $0 + o[$1] * s[perm[$1]] }]) }
            return [ConstantTensor(shape: perm.map { t.shape[$0] }, values: values, isInteger: t.isInteger)]
        case "ConstantOfShape":
            let shape = try input(0).ints
            guard let count = ConstantTensor.elementCount(shape), count <= maxFolded else {
                throw fail("ConstantOfShape shape \(shape) is not a valid size")
            }
            let v = try attrs.tensor("value").map { (t: Onnx_TensorProto) throws(ONNXError) -> ConstantTensor in
                try ConstantTensor(t, external: external, fail: fail)
            }
            return [ConstantTensor(shape: shape, values: [Double](repeating: v?.values.first ?? 0, count: count),
                                   isInteger: v?.isInteger ?? false)]
        case "Range":
            let (start, limit, delta) = (try input(0).values[0], try input(1).values[0], try input(2).values[0])
            guard delta != 0 else { throw fail("Range with step 0") }
            let steps = ((limit - start) / delta).rounded(.up)
            guard steps.isFinite || steps < 0, steps <= Double(maxFolded) else { throw fail("Range from \(start) to \(limit) by \(delta) is too long") }
            let n = steps.isFinite ? max(0, Int(steps)) : 0
            return [ConstantTensor(shape: [n], values: (0..<n).map { start + Double($0) * delta }, isInteger: try input(0).isInteger)]
        default:
            throw fail("cannot evaluate \(op) on constants")
        }
    }

    /// Elements of a shape that may include the probe batch (up to `maxElements` per image), or
    /// nil past that or on a negative dimension: multiplied with overflow checks.
    static func shapeCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, p <= ConstantTensor.maxElements * GraphImporter.probeBatch else { return nil }
            n = p
        }
        return n
    }

    /// ONNX Reshape's target: 0 copies the input's dimension (unless `allowZero`), −1 is inferred.
    static func reshapeTarget(_ target: [Int], from shape: [Int], allowZero: Bool,
                              fail: (String) -> ONNXError) throws(ONNXError) -> [Int] {
        var out = target
        for (i, d) in target.enumerated() where d == 0 && !allowZero {
            guard i < shape.count else { throw fail("Reshape copies dimension \(i) of a rank-\(shape.count) input") }
            out[i] = shape[i]
        }
        // the input's count holds the probe batch, so it is checked against the limit times that
        guard let total = shapeCount(shape) else { throw fail("Reshape of a shape \(shape) with too many elements") }
        let inferred = out.indices.filter { out[$0] == -1 }
        guard inferred.count <= 1, out.allSatisfy({ $0 >= -1 }) else { throw fail("Reshape target \(target) is not valid") }
        guard let known = shapeCount(out.filter { $0 != -1 }) else { throw fail("Reshape target \(target) has too many elements") }
        if let i = inferred.first {
            guard known > 0, total % known == 0 else { throw fail("cannot reshape \(shape) to \(target)") }
            out[i] = total / known
        }
        guard out.reduce(1, *) == total else { throw fail("cannot reshape \(shape) (\(total) elements) to \(target)") }
        return out
    }
}

/// One axis of an ONNX Slice, clamped as the operator defines (negative indices count from the
/// end; a negative step walks backwards from a start clamped to size − 1).
struct SliceRange {
    let start, step, count: Int

    init(start: Int, end: Int, step: Int, size: Int, fail: (String) -> ONNXError) throws(ONNXError) {
        guard step != 0 else { throw fail("Slice with step 0") }
        var s = start < 0 ? start + size : start
        var e = end < 0 ? end + size : end
        if step > 0 {
            s = min(max(s, 0), size)
            e = min(max(e, 0), size)
            count = e <= s ? 0 : (e - s + step - 1) / step
        } else {
            s = min(max(s, -1), size - 1)
            e = min(max(e, -1), size - 1)
            count = e >= s ? 0 : (s - e + (-step) - 1) / (-step)
        }
        self.start = s
        self.step = step
    }
}
