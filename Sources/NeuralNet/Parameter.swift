import Tensor

/// What a parameter is, which decides whether it can be pruned and how it is initialized.
public enum ParameterRole: Sendable {
    /// Weight of a Conv2d or Linear: prunable.
    case weight
    case bias
    /// BatchNorm scale (γ) and shift (β).
    case normScale, normShift
}

/// A trainable tensor with its gradient and, when pruned, its mask.
///
/// A reference type: layers own their parameters, optimizers and pruning methods update
/// them in place, and the network names them (`conv1.weight`) by walking its layers.
public final class Parameter<Scalar: TensorScalar> {
    public var value: Tensor<Scalar>
    /// Gradient of the loss, accumulated by `backward` until `zeroGradient()`. Allocated on the
    /// first write, so that copies of a network that never run backward (θ0 kept for rewinding
    /// or restoring) cost only their values; reading it before then gives zeros.
    ///
    /// After a sparse kernel's backward the gradient is held only at the mask's kept positions
    /// (`compactGradient`); reading `grad` then gives the dense tensor they make (zero elsewhere),
    /// and writing it returns to the dense form.
    public var grad: Tensor<Scalar> {
        get { storedGrad ?? expandedCompactGradient() ?? Tensor(zeros: value.shape) }
        set { storedGrad = newValue; compact = nil }
        _modify {
            // moved out so that the yielded tensor is uniquely referenced and updates in place
            var g = storedGrad ?? expandedCompactGradient() ?? Tensor(zeros: value.shape)
            storedGrad = nil
            compact = nil
            defer { storedGrad = g }
            yield &g
        }
    }
    private var storedGrad: Tensor<Scalar>?
    /// The gradient at `sparseStructure`'s entries, when a sparse kernel computed it.
    private var compact: [Scalar]?
    /// The mask's structure, built on first use after the mask changes.
    private var structureCache: SparseMatrix<Scalar>?
    public let role: ParameterRole
    /// 1 keeps a weight, 0 prunes it; nil means dense. Only prunable parameters carry one.
    public var mask: Tensor<Scalar>? {
        didSet {
            if let m = mask { precondition(m.shape == value.shape, "mask shape \(m.shape) ≠ parameter shape \(value.shape)") }
            // a compact gradient is indexed by the old structure: make it dense first
            if compact != nil { storedGrad = expandedCompactGradient(); compact = nil }
            structureCache = nil
        }
    }

    /// Direction R{θ} of a Hessian-vector product (nil: zero). See `Layer.forwardR`.
    public var tangent: Tensor<Scalar>?
    /// R{∂L/∂θ}: the Hessian-vector product, accumulated by `backwardR` until `zeroGradient()`.
    public var tangentGrad: Tensor<Scalar>?

    public init(_ value: Tensor<Scalar>, role: ParameterRole) {
        self.value = value
        self.role = role
    }

    /// Conv and linear weights are prunable; biases and BatchNorm parameters are not.
    public var isPrunable: Bool { role == .weight }

    public var shape: [Int] { value.shape }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func zeroGradient() {
        storedGrad?.zero()
        if compact != nil {
            compact?.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        tangentGrad = nil
    }

    /// The mask's kept entries as a `[shape[0], count / shape[0]]` sparse matrix with the current
    /// values, when `use` accepts its structure; nil without a mask (or one too large for 32-bit
    /// positions) or when `use` declines. The structure is built once per mask; the values are
    /// gathered only for a matrix that will be used, so a layer that stays dense pays nothing.
    public func sparseWeights(if use: (SparseMatrix<Scalar>) -> Bool = { _ in true }) -> SparseMatrix<Scalar>? {
        guard let mask, value.count > 0, value.count <= SparseMatrix<Scalar>.maxCount else { return nil }
        var s = structureCache ?? SparseMatrix(mask: mask, rows: value.shape[0])
        structureCache = nil  // keep the values array uniquely referenced while it is written
        defer { structureCache = s }
        guard use(s) else { return nil }
        s.gather(from: value)
        return s
    }

    /// Fraction of the weights the mask keeps (1 without a mask).
    public var density: Double {
        guard let mask, mask.count > 0 else { return 1 }
        return mask.withUnsafePointer { m in
            var kept = 0
            for i in 0..<mask.count where m[i] != 0 { kept += 1 }
            return Double(kept) / Double(mask.count)
        }
    }

    /// Lets a sparse kernel add to the gradient at the kept entries (`sparseWeights()` order):
    /// `body` gets one scalar per entry. A dense gradient held so far is carried over at those entries.
    public func accumulateCompactGradient(_ body: (UnsafeMutableBufferPointer<Scalar>) -> Void) {
        guard let s = structureCache else { preconditionFailure("accumulateCompactGradient before sparseWeights()") }
        if compact == nil {
            var c = [Scalar](repeating: 0, count: s.nonzeroCount)
            if let dense = storedGrad {
                dense.withUnsafePointer { d in
                    for (e, p) in s.positions.enumerated() { c[e] = d[Int(p)] }
                }
            }
            compact = c
            storedGrad = nil
        }
        var c = compact ?? []
        compact = nil  // uniquely referenced while written
        c.withUnsafeMutableBufferPointer { body($0) }
        compact = c
    }

    /// The compact gradient and the dense positions of its entries, when a sparse kernel computed
    /// the gradient (optimizers then update only those entries).
    public var compactGradient: (positions: [Int32], values: [Scalar])? {
        guard let compact, let s = structureCache else { return nil }
        return (s.positions, compact)
    }

    private func expandedCompactGradient() -> Tensor<Scalar>? {
        guard let compact, let s = structureCache else { return nil }
        var g = Tensor<Scalar>(zeros: value.shape)
        g.withUnsafeMutablePointer { d in
            for (e, p) in s.positions.enumerated() { d[Int(p)] = compact[e] }
        }
        return g
    }

    /// Adds `t` into `tangentGrad`.
    func accumulateTangentGrad(_ t: Tensor<Scalar>) {
        if tangentGrad == nil { tangentGrad = t } else { tangentGrad?.add(t) }
    }

    /// Takes another parameter's value and mask (the gradient is left alone).
    public func copyState(from other: Parameter) {
        precondition(other.shape == shape, "cannot copy a \(other.shape) parameter into \(shape)")
        value = other.value
        mask = other.mask
    }

    /// The same parameter in another precision: value and mask converted (masked-out entries zero),
    /// no gradient or tangent.
    @_specialize(where Scalar == Float, Other == Double)
    @_specialize(where Scalar == Double, Other == Float)
    public func converted<Other: TensorScalar>(to: Other.Type) -> Parameter<Other> {
        let p = Parameter<Other>(value.converted(to: Other.self), role: role)
        p.mask = mask?.converted(to: Other.self)
        p.applyMask()
        return p
    }

    /// Sets masked-out entries of the value to zero.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func applyMask() {
        guard let m = mask else { return }
        let n = value.count
        value.withUnsafeMutablePointer { v in
            m.withUnsafePointer { mm in
                VectorOps.zeroWhereMaskIsZero(mm, v, count: n)
            }
        }
    }
}

/// A non-trainable tensor that is part of a layer's state (BatchNorm running statistics).
public final class Buffer<Scalar: TensorScalar> {
    public var value: Tensor<Scalar>
    public init(_ value: Tensor<Scalar>) { self.value = value }

    /// The same buffer in another precision.
    @_specialize(where Scalar == Float, Other == Double)
    @_specialize(where Scalar == Double, Other == Float)
    public func converted<Other: TensorScalar>(to: Other.Type) -> Buffer<Other> {
        Buffer<Other>(value.converted(to: Other.self))
    }
}
