/// `keras.layers.Rescaling(scale, offset=0.0)`: y = x * scale + offset, e.g. `Rescaling(1/255)` to bring
/// pixel values into [0, 1] inside the model. No weights; the gradient is dy * scale.
package final class Rescaling: Layer, @unchecked Sendable {
    override package class var kerasClassName: String { "Rescaling" }

    package let scale: Float
    package let offset: Float

    package init(scale: Float, offset: Float = 0, name: String = "rescaling") {
        self.scale = scale
        self.offset = offset
        super.init(name: name)
    }

    convenience init(config c: LayerConfig) throws {
        // Keras requires scale; a list (per-channel scale) is not supported here.
        guard c.has("scale") else { throw c.fail("scale", "a number") }
        self.init(scale: try c.float("scale", default: 1), offset: try c.float("offset", default: 0), name: c.name ?? "rescaling")
    }

    /// Keras: `supports_masking = True`; a mask passes through unchanged.
    override package func maskOutput(inputMask: [Int]?) throws -> MaskOutput { .passing(inputMask) }

    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        state.output.resize(x.shape)
        let xs = x.data, y = state.output.data, s = scale, o = offset
        for i in 0..<x.count { y[i] = xs[i] * s + o }
    }

    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard needInputGrad else { return }
        state.gradInput.resize(x.shape)
        let g = dy.data, dx = state.gradInput.data, s = scale
        for i in 0..<x.count { dx[i] = g[i] * s }
    }

    override package func layerConfig() -> [(String, JSON)] {
        [("scale", .number(Double(scale))), ("offset", .number(Double(offset)))]
    }
}
