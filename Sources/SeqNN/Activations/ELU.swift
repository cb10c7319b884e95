#if canImport(Glibc)
import Glibc
#endif

extension Activations {
    /// `elu`: x for x > 0, else alpha * (exp(x) - 1), alpha = 1.
    package struct ELU: ElementwiseActivation {
        package var alpha: Float = 1
        package init(alpha: Float = 1) { self.alpha = alpha }
        package var name: String { "elu" }
        @inline(__always) package func value(_ x: Float) -> Float { x > 0 ? x : alpha * expm1f(x) }
        /// Branches on the output like TensorFlow's EluGrad, so the slope at exactly 0 is 1.
        @inline(__always) package func derivative(_ x: Float, _ y: Float) -> Float { y < 0 ? y + alpha : 1 }
    }
}
