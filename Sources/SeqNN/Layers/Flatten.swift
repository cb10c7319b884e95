/// `keras.layers.Flatten`: [batch, d1, d2, ...] -> [batch, d1*d2*...]. Row-major order is already
/// Keras's `channels_last` flattening order, so this is a copy with a new shape.
package final class Flatten: Layer, @unchecked Sendable {
    override package class var kerasClassName: String { "Flatten" }
    override package init(name: String = "flatten") { super.init(name: name) }

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        [inputShape.reduce(1, *)]
    }

    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        state.output.resize(batch: x.rows, rest: [x.rowLength])
        state.output.data.update(from: x.data, count: x.count)
    }

    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard needInputGrad else { return }
        state.gradInput.resize(x.shape)
        state.gradInput.data.update(from: dy.data, count: x.count)
    }

    override package func layerConfig() -> [(String, JSON)] { [("data_format", "channels_last")] }
}

extension Flatten {
    convenience init(config c: LayerConfig) throws {
        if let f = try c.string("data_format", default: nil), f != "channels_last" {
            throw SeqNNError(.unsupported, "\(c.label): data_format '\(f)' is not supported; SeqNN is channels_last")
        }
        self.init(name: c.name ?? "flatten")
    }
}
