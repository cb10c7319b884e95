/// `mean_absolute_percentage_error` (`mape`): 100 * mean |y_true - y_pred| / max(|y_true|, epsilon).
package struct MeanAbsolutePercentageError: ElementwiseLoss {
    package var name: String { "mean_absolute_percentage_error" }
    package var className: String { "MeanAbsolutePercentageError" }
    @inline(__always) package func term(_ t: Float, _ y: Float) -> Float { 100 * abs(t - y) / max(abs(t), kerasEpsilon) }
    @inline(__always) package func termGradient(_ t: Float, _ y: Float) -> Float { 100 * signum(y - t) / max(abs(t), kerasEpsilon) }
}
