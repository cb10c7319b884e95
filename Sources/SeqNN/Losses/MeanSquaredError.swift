/// `mean_squared_error` (`mse`): mean over the last axis of (y_true - y_pred)^2.
package struct MeanSquaredError: ElementwiseLoss {
    package var name: String { "mean_squared_error" }
    package var className: String { "MeanSquaredError" }
    @inline(__always) package func term(_ t: Float, _ y: Float) -> Float { (y - t) * (y - t) }
    @inline(__always) package func termGradient(_ t: Float, _ y: Float) -> Float { 2 * (y - t) }
}
