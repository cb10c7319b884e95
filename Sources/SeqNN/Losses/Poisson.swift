#if canImport(Glibc)
import Glibc
#endif

/// `poisson`: mean over the last axis of y_pred - y_true * log(y_pred + epsilon).
public struct Poisson: ElementwiseLoss {
    public var name: String { "poisson" }
    public var className: String { "Poisson" }
    @inline(__always) public func term(_ t: Float, _ y: Float) -> Float { y - t * logf(y + kerasEpsilon) }
    @inline(__always) public func termGradient(_ t: Float, _ y: Float) -> Float { 1 - t / (y + kerasEpsilon) }
}
