#if canImport(Glibc)
import Glibc
#endif

extension Activations {
    /// `exponential`: exp(x).
    package struct Exponential: ElementwiseActivation {
        package init() {}
        package var name: String { "exponential" }
        @inline(__always) package func value(_ x: Float) -> Float { expf(x) }
        @inline(__always) package func derivative(_ x: Float, _ y: Float) -> Float { y }
    }
}
