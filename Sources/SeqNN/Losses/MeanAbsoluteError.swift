/// `mean_absolute_error` (`mae`): mean over the last axis of |y_true - y_pred|.
package struct MeanAbsoluteError: ElementwiseLoss {
    package var name: String { "mean_absolute_error" }
    package var className: String { "MeanAbsoluteError" }
    @inline(__always) package func term(_ t: Float, _ y: Float) -> Float { abs(y - t) }
    @inline(__always) package func termGradient(_ t: Float, _ y: Float) -> Float { signum(y - t) }
}
