#if canImport(Glibc)
import Glibc
#endif

extension Activations {
    /// `softplus`: log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|)) so it never overflows.
    public struct Softplus: ElementwiseActivation {
        public init() {}
        public var name: String { "softplus" }
        @inline(__always) public func value(_ x: Float) -> Float { max(x, 0) + log1pf(expf(-abs(x))) }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { sigmoidf(x) }
    }
}
