#if canImport(Glibc)
import Glibc
#endif

extension Activations {
    /// `softplus`: log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|)) so it never overflows.
    package struct Softplus: ElementwiseActivation {
        package init() {}
        package var name: String { "softplus" }
        @inline(__always) package func value(_ x: Float) -> Float { max(x, 0) + log1pf(expf(-abs(x))) }
        @inline(__always) package func derivative(_ x: Float, _ y: Float) -> Float { sigmoidf(x) }
    }
}
