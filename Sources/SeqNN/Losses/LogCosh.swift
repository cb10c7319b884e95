#if canImport(Glibc)
import Glibc
#endif

/// `log_cosh`: mean of log(cosh(y_pred - y_true)), computed as x + softplus(-2x) - log 2 like Keras so
/// large errors do not overflow.
package struct LogCosh: ElementwiseLoss {
    package var name: String { "log_cosh" }
    package var className: String { "LogCosh" }
    @inline(__always) package func term(_ t: Float, _ y: Float) -> Float {
        let x = y - t
        let z = -2 * x
        return x + (max(z, 0) + log1pf(expf(-abs(z)))) - Float(0.6931471805599453)
    }
    @inline(__always) package func termGradient(_ t: Float, _ y: Float) -> Float { tanhf(y - t) }
}
