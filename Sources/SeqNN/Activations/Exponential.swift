#if canImport(Glibc)
import Glibc
#endif

extension Activations {
    /// `exponential`: exp(x).
    public struct Exponential: ElementwiseActivation {
        public init() {}
        public var name: String { "exponential" }
        @inline(__always) public func value(_ x: Float) -> Float { expf(x) }
        @inline(__always) public func derivative(_ x: Float, _ y: Float) -> Float { y }
    }
}
