import Tensor

/// y = x Wᵀ + b, with W of shape `[out, in]` as in PyTorch.
///
/// With a mask and sparse kernels (`kernels`), the three products run on the kept weights only
/// (`SparseMatrix`): yᵀ = W·xᵀ, dxᵀ = Wᵀ·dyᵀ, and dW at the kept entries; the batch is the
/// contiguous dimension, so each kept weight is one vector operation over the batch.
public final class Linear<Scalar: TensorScalar>: Layer, SparseCapable {
    public let weight: Parameter<Scalar>
    public let bias: Parameter<Scalar>?
    /// When false, `backward` skips the input gradient (the first layer of a network needs none).
    public var propagatesGradient = true
    private var input = Tensor<Scalar>(zeros: [0])
    private var outputGrad = Tensor<Scalar>(zeros: [0])
    private var inputTangent: Tensor<Scalar>?
    /// Which kernels training and evaluation use (scoring passes leave it `.dense`).
    public var kernels: KernelChoice = .dense
    /// The weights and transposed input of the last forward when it ran sparse; with `columns`
    /// when the weights were compacted to the input features they read (`compactingColumns`).
    private var sparse: (weights: SparseMatrix<Scalar>, inputT: Tensor<Scalar>, columns: [Int32]?)?

    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true) {
        weight = Parameter(Tensor(zeros: [outFeatures, inFeatures]), role: .weight)
        self.bias = bias ? Parameter(Tensor(zeros: [outFeatures]), role: .bias) : nil
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public var parameters: [(name: String, parameter: Parameter<Scalar>)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func outputShape(for input: [Int]) throws(ShapeError) -> [Int] {
        guard TensorShape.count(of: input) == inFeatures else {
            throw ShapeError("Linear(\(inFeatures) → \(outFeatures)) got \(TensorShape.count(of: input)) input features (shape \(input))")
        }
        return [outFeatures]
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: Tensor<Scalar>, mode: ForwardMode) -> Tensor<Scalar> {
        precondition(x.count == x.shape[0] * inFeatures, "Linear expects [batch, \(inFeatures)], got \(x.shape)")
        input = x
        inputTangent = nil
        sparse = nil
        if var w = sparseWeights() {
            // when the kept weights read few input features, only those are transposed
            var columns: [Int32]?
            let compact = w.compactingColumns()
            if 2 * compact.columns.count <= inFeatures { (w, columns) = compact }
            let xT = columns.map { Linear.transposedColumns(x, $0) } ?? x.transposedMatrix(rows: x.shape[0])
            sparse = (w, xT, columns)
            return Linear.sparseMultiply(xT, w, bias: bias?.value)
        }
        return Linear.multiply(x, weight.value, bias: bias?.value)
    }

    /// The kept weights when this forward computes sparsely, by `kernels` and the rule.
    func sparseWeights() -> SparseMatrix<Scalar>? {
        guard kernels != .dense else { return nil }
        return weight.sparseWeights { w in
            kernels == .sparse || SparseKernelRule.linearIsSparse(density: w.density, weights: w.rows * w.columns)
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ dy: Tensor<Scalar>) -> Tensor<Scalar> {
        if let (w, xT, columns) = sparse, inputTangent == nil {
            sparse = nil
            let shape = input.shape
            input = Tensor<Scalar>(zeros: [0])
            return sparseBackward(dy, w, xT, columns: columns).reshaped(shape)
        }
        sparse = nil
        Linear.addGradients(x: input, dy: dy, weightGrad: &weight.grad, biasGrad: bias)
        let dx = propagatesGradient ? Linear.inputGradient(dy, weight.value, inputShape: input.shape)
                                    : Tensor<Scalar>(zeros: input.shape)
        // Freed once used unless `forwardR` ran since the forward (see Conv2d.backward).
        if inputTangent == nil { input = Tensor<Scalar>(zeros: [0]) } else { outputGrad = dy }
        return dx
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forwardR(_ rx: Tensor<Scalar>) -> Tensor<Scalar> {
        inputTangent = rx
        var ry = Linear.multiply(rx, weight.value, bias: nil)
        if let v = weight.tangent { ry.add(Linear.multiply(input, v, bias: nil)) }
        return ry
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backwardR(_ rdy: Tensor<Scalar>) -> Tensor<Scalar> {
        var rgw = Tensor<Scalar>(zeros: weight.shape)
        let rb = bias.map { Parameter(Tensor<Scalar>(zeros: $0.shape), role: .bias) }
        Linear.addGradients(x: input, dy: rdy, weightGrad: &rgw, biasGrad: rb)
        if let rx = inputTangent { Linear.addGradients(x: rx, dy: outputGrad, weightGrad: &rgw, biasGrad: nil) }
        weight.accumulateTangentGrad(rgw)
        if let b = bias, let rb { b.accumulateTangentGrad(rb.grad) }
        var rdx = Linear.inputGradient(rdy, weight.value, inputShape: input.shape)
        if let v = weight.tangent { rdx.add(Linear.inputGradient(outputGrad, v, inputShape: input.shape)) }
        (input, outputGrad, inputTangent) = (Tensor<Scalar>(zeros: [0]), Tensor<Scalar>(zeros: [0]), nil)
        return rdx
    }

    /// x Wᵀ (+ b) for x `[N, in]`.
    static func multiply(_ x: Tensor<Scalar>, _ w: Tensor<Scalar>, bias: Tensor<Scalar>?) -> Tensor<Scalar> {
        let batch = x.shape[0]
        let (o, i) = (w.shape[0], w.shape[1])
        var y = Tensor<Scalar>(uninitialized: [batch, o])
        y.withUnsafeMutablePointer { yp in
            if let bias {
                bias.withUnsafePointer { bp in
                    for n in 0..<batch { (yp + n * o).update(from: bp, count: o) }
                }
            }
            x.withUnsafePointer { xp in
                w.withUnsafePointer { wp in
                    BLAS.gemm(transB: true, m: batch, n: o, k: i, xp, lda: i, wp, ldb: i, beta: bias == nil ? 0 : 1, yp, ldc: o)
                }
            }
        }
        return y
    }

    /// (W·xᵀ)ᵀ (+ b) with xᵀ `[in, N]`: rows of W split among tasks by their kept entries.
    static func sparseMultiply(_ xT: Tensor<Scalar>, _ w: SparseMatrix<Scalar>, bias: Tensor<Scalar>?) -> Tensor<Scalar> {
        let batch = xT.shape[1]
        var yT = Tensor<Scalar>(uninitialized: [w.rows, batch])
        let ranges = w.rowRanges(grain: max(1, SparseKernelRule.taskGrain / max(1, batch)))
        xT.withUnsafePointer { xp in
            yT.withUnsafeMutablePointer { yp in
                withOptionalPointer(bias) { bp in
                    nonisolated(unsafe) let (xs, ys, bs) = (xp, yp, bp)
                    Parallel.forEach(ranges.count) { c in
                        w.multiply(xs, ldb: batch, width: batch, rows: ranges[c], into: ys, ldc: batch, bias: bs)
                    }
                }
            }
        }
        return yT.transposedMatrix(rows: w.rows)
    }

    /// The sparse backward: db as dense; dW at the kept entries only (into the compact gradient);
    /// dxᵀ = Wᵀ·dyᵀ with the batch split among tasks.
    private func sparseBackward(_ dy: Tensor<Scalar>, _ w: SparseMatrix<Scalar>, _ xT: Tensor<Scalar>,
                                columns: [Int32]?) -> Tensor<Scalar> {
        let batch = dy.shape[0]
        if let b = bias { Linear.addBiasGradient(dy, into: b) }
        let dyT = dy.transposedMatrix(rows: batch)
        let ranges = w.rowRanges(grain: max(1, SparseKernelRule.taskGrain / max(1, batch)))
        dyT.withUnsafePointer { dp in
            xT.withUnsafePointer { xp in
                weight.accumulateCompactGradient { g in
                    nonisolated(unsafe) let (ds, xs, gs) = (dp, xp, g.baseAddress)
                    guard let gs else { return }  // no kept weight: no gradient to add
                    Parallel.forEach(ranges.count) { c in
                        w.sampledProduct(ds, lddy: batch, xs, ldb: batch, width: batch, rows: ranges[c], into: gs, accumulate: true)
                    }
                }
            }
        }
        guard propagatesGradient else { return Tensor<Scalar>(zeros: [batch, inFeatures]) }
        var dxT = Tensor<Scalar>(zeros: [w.columns, batch])
        let groups = w.entryGroups(size: 1)
        dyT.withUnsafePointer { dp in
            dxT.withUnsafeMutablePointer { xp in
                nonisolated(unsafe) let (ds, dxs) = (dp, xp)
                Parallel.forRanges(batch, grain: max(1, SparseKernelRule.taskGrain / max(1, w.nonzeroCount))) { r in
                    w.transposedMultiplyAdd(ds + r.lowerBound, lddy: batch, width: r.count, into: dxs + r.lowerBound, ldd: batch,
                                            columnGroups: groups)
                }
            }
        }
        guard let columns else { return dxT.transposedMatrix(rows: inFeatures) }
        // the features no kept weight reads get a zero gradient
        var dx = Tensor<Scalar>(zeros: [batch, inFeatures])
        dxT.withUnsafePointer { src in
            dx.withUnsafeMutablePointer { dst in
                for (k, c) in columns.enumerated() {
                    let row = src + k * batch
                    for n in 0..<batch { dst[n * inFeatures + Int(c)] = row[n] }
                }
            }
        }
        return dx
    }

    /// xᵀ restricted to the given input features: row k is feature `columns[k]` over the batch.
    static func transposedColumns(_ x: Tensor<Scalar>, _ columns: [Int32]) -> Tensor<Scalar> {
        let batch = x.shape[0]
        let features = x.count / max(1, batch)
        var xT = Tensor<Scalar>(uninitialized: [columns.count, batch])
        x.withUnsafePointer { src in
            xT.withUnsafeMutablePointer { dst in
                for n in 0..<batch {
                    let row = src + n * features
                    for (k, c) in columns.enumerated() { dst[k * batch + n] = row[Int(c)] }
                }
            }
        }
        return xT
    }

    /// db += Σ dy over the batch.
    static func addBiasGradient(_ dy: Tensor<Scalar>, into bias: Parameter<Scalar>) {
        let (batch, o) = (dy.shape[0], bias.shape[0])
        dy.withUnsafePointer { dyp in
            bias.grad.withUnsafeMutablePointer { gb in
                // row by row, so the loop runs along memory; each sum still adds n = 0, 1, … in order
                var sums = [Scalar](repeating: 0, count: o)
                sums.withUnsafeMutableBufferPointer { s in
                    for n in 0..<batch {
                        let row = dyp + n * o
                        for j in 0..<o { s[j] += row[j] }
                    }
                    for j in 0..<o { gb[j] += s[j] }
                }
            }
        }
    }

    /// dW += dyᵀ · x; db += Σ dy over the batch.
    static func addGradients(x: Tensor<Scalar>, dy: Tensor<Scalar>, weightGrad: inout Tensor<Scalar>, biasGrad: Parameter<Scalar>?) {
        let batch = x.shape[0]
        let (o, i) = (weightGrad.shape[0], weightGrad.shape[1])
        dy.withUnsafePointer { dyp in
            x.withUnsafePointer { xp in
                weightGrad.withUnsafeMutablePointer { gw in
                    BLAS.gemm(transA: true, m: o, n: i, k: batch, dyp, lda: o, xp, ldb: i, beta: 1, gw, ldc: i)
                }
            }
        }
        if let biasGrad { addBiasGradient(dy, into: biasGrad) }
    }

    /// dy · W, reshaped to the input's shape.
    static func inputGradient(_ dy: Tensor<Scalar>, _ w: Tensor<Scalar>, inputShape: [Int]) -> Tensor<Scalar> {
        let batch = dy.shape[0]
        let (o, i) = (w.shape[0], w.shape[1])
        var dx = Tensor<Scalar>(uninitialized: inputShape)
        dy.withUnsafePointer { dyp in
            w.withUnsafePointer { wp in
                dx.withUnsafeMutablePointer { dxp in
                    BLAS.gemm(m: batch, n: i, k: o, dyp, lda: o, wp, ldb: i, dxp, ldc: i)
                }
            }
        }
        return dx
    }

    public func clone() -> any Layer<Scalar> {
        let c = Linear(inFeatures: inFeatures, outFeatures: outFeatures, bias: bias != nil)
        c.weight.copyState(from: weight)
        if let b = bias { c.bias?.copyState(from: b) }
        c.propagatesGradient = propagatesGradient
        c.kernels = kernels
        return c
    }

    public func converted<Other: TensorScalar>(to: Other.Type) -> any Layer<Other> {
        let c = Linear<Other>(weight: weight.converted(to: Other.self), bias: bias?.converted(to: Other.self))
        c.propagatesGradient = propagatesGradient
        c.kernels = kernels
        return c
    }

    private init(weight: Parameter<Scalar>, bias: Parameter<Scalar>?) {
        self.weight = weight
        self.bias = bias
    }

    public func reachableOutputs(from reachable: [Bool], inputShape: [Int],
                                 kept: (Parameter<Scalar>) -> [UInt8]?) -> [Bool] {
        let w = kept(weight)
        let (o, i) = (outFeatures, inFeatures)
        var result = [Bool](repeating: false, count: o)
        for oc in 0..<o {
            for ic in 0..<i where reachable[ic] && (w?[oc * i + ic] ?? 1) != 0 { result[oc] = true; break }
        }
        return result
    }

    public func macsPerWeight(outputShape: [Int]) -> Int? { 1 }

    public func skipInputGradient() -> Bool {
        propagatesGradient = false
        return false
    }

    /// How the layer is written in PruneScript.
    public var description: String { "linear(\(inFeatures), \(outFeatures)\(bias == nil ? ", bias: false" : ""))" }
}
