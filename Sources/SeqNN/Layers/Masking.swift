/// `keras.layers.Masking(mask_value=0.0)`: marks a timestep as masked when all its features equal
/// `mask_value`, zeroes those steps and gives the following layers the mask (Keras:
/// `mask = any(inputs != mask_value, axis=-1)`, `outputs = where(mask, inputs, 0)`).
///
/// Input [batch, ..., features]; the mask has the input's shape without the last axis. The layers after it
/// that read masks (recurrent layers, GlobalAveragePooling1D, the loss) skip or exclude the masked steps.
package final class Masking: Layer, @unchecked Sendable {
    override package class var kerasClassName: String { "Masking" }
    package let maskValue: Float

    package init(maskValue: Float = 0, name: String = "masking") {
        self.maskValue = maskValue
        super.init(name: name)
    }

    convenience init(config c: LayerConfig) throws {
        self.init(maskValue: try c.float("mask_value", default: 0), name: c.name ?? "masking")
    }

    /// The per-sample mask shape: the input's without the feature axis (kept so a pass builds no array).
    private var maskShape: [Int] = []

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        maskShape = Array(inputShape.dropLast())
        return inputShape
    }

    /// Keras's `compute_mask` ignores any mask already on the input and makes its own.
    override package func maskOutput(inputMask: [Int]?) throws -> MaskOutput { .produces(maskShape) }

    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        state.output.resize(x.shape)
        let f = max(x.shape.last ?? 1, 1), steps = x.count / f
        state.mask.resize(batch: x.rows, rest: maskShape)
        let xs = x.data, y = state.output.data, m = state.mask.data, v = maskValue
        for t in 0..<steps {
            let row = xs + t * f
            var keep = false
            for i in 0..<f where row[i] != v { keep = true; break }
            m[t] = keep ? 1 : 0
            if keep { (y + t * f).update(from: row, count: f) } else { (y + t * f).update(repeating: 0, count: f) }
        }
    }

    // The gradient of where(mask, x, 0): dy on kept steps, 0 on masked ones.
    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard needInputGrad else { return }
        state.gradInput.resize(x.shape)
        let f = max(x.shape.last ?? 1, 1), steps = x.count / f, m = state.mask.data
        for t in 0..<steps {
            let dst = state.gradInput.data + t * f
            if m[t] != 0 { dst.update(from: dy.data + t * f, count: f) } else { dst.update(repeating: 0, count: f) }
        }
    }

    override package func layerConfig() -> [(String, JSON)] { [("mask_value", .number(Double(maskValue)))] }
}
