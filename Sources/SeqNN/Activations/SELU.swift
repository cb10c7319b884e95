#if canImport(Glibc)
import Glibc
#endif

extension Activations {
    /// `selu`: scale * elu(x, alpha) with Keras's constants (Klambauer et al. 2017).
    package struct SELU: ElementwiseActivation {
        package init() {}
        static let alpha: Float = 1.67326324
        static let scale: Float = 1.05070098
        package var name: String { "selu" }
        @inline(__always) package func value(_ x: Float) -> Float {
            x > 0 ? SELU.scale * x : SELU.scale * SELU.alpha * expm1f(x)
        }
        /// Branches on the output like TensorFlow's SeluGrad, so the slope at exactly 0 is `scale`.
        @inline(__always) package func derivative(_ x: Float, _ y: Float) -> Float {
            y < 0 ? y + SELU.scale * SELU.alpha : SELU.scale
        }
    }
}
