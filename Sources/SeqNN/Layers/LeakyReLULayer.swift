/// `keras.layers.LeakyReLU`: x for x > 0, else negative_slope * x (default 0.3). Keras 3 names the slope
/// `negative_slope`, Keras 2 `alpha`; both are read, and `alpha` is written (Keras 3 still accepts it,
/// Keras 2 knows nothing else). (The class is `LeakyReLULayer` because `Activations.LeakyReLU` is the function.)
package final class LeakyReLULayer: Activation, @unchecked Sendable {
    override package class var kerasClassName: String { "LeakyReLU" }

    package let negativeSlope: Float

    package init(negativeSlope: Float = 0.3, name: String = "leaky_re_lu") throws {
        guard negativeSlope >= 0 else {
            throw SeqNNError(.invalidArgument, "LeakyReLU '\(name)': negative_slope must be >= 0, found \(negativeSlope)")
        }
        self.negativeSlope = negativeSlope
        super.init(Activations.LeakyReLU(negativeSlope: negativeSlope), name: name)
    }

    convenience init(config c: LayerConfig) throws {
        let key = c.has("negative_slope") ? "negative_slope" : "alpha"
        try self.init(negativeSlope: c.float(key, default: 0.3), name: c.name ?? "leaky_re_lu")
    }

    override package func layerConfig() -> [(String, JSON)] { [("alpha", Self.number(negativeSlope))] }
}
