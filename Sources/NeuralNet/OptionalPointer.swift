import Tensor

/// Calls `body` with a pointer to the tensor's elements, or nil without a tensor.
func withOptionalPointer<Scalar: TensorScalar, R>(_ t: Tensor<Scalar>?, _ body: (UnsafePointer<Scalar>?) -> R) -> R {
    guard let t else { return body(nil) }
    return t.withUnsafePointer { body($0) }
}
