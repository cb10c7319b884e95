#if canImport(Glibc)
import Glibc
#endif

/// `poisson`: mean over the last axis of y_pred - y_true * log(y_pred + epsilon).
package struct Poisson: ElementwiseLoss {
    package var name: String { "poisson" }
    package var className: String { "Poisson" }
    @inline(__always) package func term(_ t: Float, _ y: Float) -> Float { y - t * logf(y + kerasEpsilon) }
    @inline(__always) package func termGradient(_ t: Float, _ y: Float) -> Float { 1 - t / (y + kerasEpsilon) }
}
