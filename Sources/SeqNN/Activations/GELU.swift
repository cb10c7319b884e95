#if canImport(Glibc)
import Glibc
#endif

extension Activations {
    /// `gelu`: x * Phi(x) with the exact erf form (Keras's default `approximate=False`).
    package struct GELU: ElementwiseActivation {
        package init() {}
        package var name: String { "gelu" }
        @inline(__always) package func value(_ x: Float) -> Float { 0.5 * x * (1 + erff(x * Float(0.7071067811865476))) }
        @inline(__always) package func derivative(_ x: Float, _ y: Float) -> Float {
            let cdf = 0.5 * (1 + erff(x * Float(0.7071067811865476)))
            let pdf = expf(-0.5 * x * x) * Float(0.3989422804014327)
            return cdf + x * pdf
        }
    }
}
