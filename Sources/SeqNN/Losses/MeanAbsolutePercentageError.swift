/// `mean_absolute_percentage_error` (`mape`): 100 * mean |y_true - y_pred| / max(|y_true|, epsilon).
public struct MeanAbsolutePercentageError: ElementwiseLoss {
    public var name: String { "mean_absolute_percentage_error" }
    public var className: String { "MeanAbsolutePercentageError" }
    @inline(__always) public func term(_ t: Float, _ y: Float) -> Float { 100 * abs(t - y) / max(abs(t), kerasEpsilon) }
    @inline(__always) public func termGradient(_ t: Float, _ y: Float) -> Float { 100 * signum(y - t) / max(abs(t), kerasEpsilon) }
}
