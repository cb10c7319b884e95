/// `mean_absolute_error` (`mae`): mean over the last axis of |y_true - y_pred|.
public struct MeanAbsoluteError: ElementwiseLoss {
    public var name: String { "mean_absolute_error" }
    public var className: String { "MeanAbsoluteError" }
    @inline(__always) public func term(_ t: Float, _ y: Float) -> Float { abs(y - t) }
    @inline(__always) public func termGradient(_ t: Float, _ y: Float) -> Float { signum(y - t) }
}
