/// `keras.layers.ThresholdedReLU(theta=1.0)` (Keras 2; Keras 3 dropped it): x for x > theta, else 0,
/// computed as `x * cast(x > theta)`, so its gradient is 1 above theta and 0 at and below it.
package final class ThresholdedReLU: Activation, @unchecked Sendable {
    override package class var kerasClassName: String { "ThresholdedReLU" }

    package let theta: Float

    package init(theta: Float = 1, name: String = "thresholded_re_lu") throws {
        guard theta >= 0 else { throw SeqNNError(.invalidArgument, "ThresholdedReLU '\(name)': theta must be >= 0, found \(theta)") }
        self.theta = theta
        super.init(Function(theta: theta), name: name)
    }

    convenience init(config c: LayerConfig) throws {
        try self.init(theta: c.float("theta", default: 1), name: c.name ?? "thresholded_re_lu")
    }

    override package func layerConfig() -> [(String, JSON)] { [("theta", Self.number(theta))] }

    struct Function: ElementwiseActivation {
        let theta: Float
        var name: String { "thresholded_relu" }
        func value(_ x: Float) -> Float { x > theta ? x : 0 }
        func derivative(_ x: Float, _ y: Float) -> Float { x > theta ? 1 : 0 }
    }
}
