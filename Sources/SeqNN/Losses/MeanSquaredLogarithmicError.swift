#if canImport(Glibc)
import Glibc
#endif

/// `mean_squared_logarithmic_error` (`msle`): mean of (log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))^2.
package struct MeanSquaredLogarithmicError: ElementwiseLoss {
    package var name: String { "mean_squared_logarithmic_error" }
    package var className: String { "MeanSquaredLogarithmicError" }
    @inline(__always) package func term(_ t: Float, _ y: Float) -> Float {
        let d = logf(max(y, kerasEpsilon) + 1) - logf(max(t, kerasEpsilon) + 1)
        return d * d
    }
    @inline(__always) package func termGradient(_ t: Float, _ y: Float) -> Float {
        guard y >= kerasEpsilon else { return 0 }   // the gradient of max(y, eps) is 0 below eps
        let d = logf(y + 1) - logf(max(t, kerasEpsilon) + 1)
        return 2 * d / (y + 1)
    }
}
