#if canImport(Glibc)
import Glibc
#endif

extension Activations {
    /// `elu`: x for x > 0, else alpha * (exp(x) - 1), alpha = 1.
    public struct ELU: ElementwiseActivation {
        public var alpha: Float = 1
        public init(alpha: Float = 1) { self.alpha = alpha }
        public var name: String { "elu" }
        @inline(__always) public func value(_ x: Float) -> Float { x > 0 ? x : alpha * expm1f(x) }
        /// Branches on the output like TensorFlow's EluGrad, so the slope at exactly 0 is 1.
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { y < 0 ? y + alpha : 1 }
    }
}
