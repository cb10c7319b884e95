/// `mean_squared_error` (`mse`): mean over the last axis of (y_true - y_pred)^2.
public struct MeanSquaredError: ElementwiseLoss {
    public var name: String { "mean_squared_error" }
    public var className: String { "MeanSquaredError" }
    @inline(__always) public func term(_ t: Float, _ y: Float) -> Float { (y - t) * (y - t) }
    @inline(__always) public func termGradient(_ t: Float, _ y: Float) -> Float { 2 * (y - t) }
}
