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
    public var grad: Tensor<Scalar> {
        get { storedGrad ?? Tensor(zeros: value.shape) }
        set { storedGrad = newValue }
        _modify {
            // moved out so that the yielded tensor is uniquely referenced and updates in place
            var g = storedGrad ?? Tensor(zeros: value.shape)
            storedGrad = nil
            defer { storedGrad = g }
            yield &g
        }
    }
    private var storedGrad: Tensor<Scalar>?
    public let role: ParameterRole
    /// 1 keeps a weight, 0 prunes it; nil means dense. Only prunable parameters carry one.
    public var mask: Tensor<Scalar>? {
        didSet {
            if let m = mask { precondition(m.shape == value.shape, "mask shape \(m.shape) ≠ parameter shape \(value.shape)") }
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
        tangentGrad = nil
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
