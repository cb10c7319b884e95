/// `keras.layers.Softmax(axis=-1)`: softmax over one axis of each sample. Over the last axis it is the
/// `softmax` activation, so a crossentropy after it reads the logits as after any softmax; over another
/// axis it normalises along that axis. (The class is `SoftmaxLayer` because `Activations.Softmax` is the
/// function.)
package final class SoftmaxLayer: Activation, @unchecked Sendable {
    override package class var kerasClassName: String { "Softmax" }

    /// As configured: negative counts from the end of the full (batch-first) shape, as in Keras.
    package let axis: Int
    /// The axis within a sample once built (0-based, batch excluded).
    private var sampleAxis = 0

    package init(axis: Int = -1, name: String = "softmax") {
        self.axis = axis
        super.init(Activations.Softmax(), name: name)
    }

    convenience init(config c: LayerConfig) throws {
        guard !(c.json["axis"]?.array != nil) else {
            throw SeqNNError(.unsupported, "\(c.label): axis must be one integer; softmax over several axes is not supported")
        }
        self.init(axis: try c.int("axis", default: -1), name: c.name ?? "softmax")
    }

    /// Keras's Softmax layer adds a large negative number to masked inputs (`inputs += (1 - mask) * -1e9`,
    /// the mask broadcast against the input), which SeqNN does not compute: refused rather than different.
    override package func maskOutput(inputMask: [Int]?) throws -> MaskOutput {
        guard inputMask == nil else {
            throw SeqNNError(.unsupported, "Softmax '\(name)' receives a Keras mask (from Masking or Embedding(mask_zero=True) before it); Keras's Softmax layer then pushes masked inputs to -1e9, which SeqNN does not implement; use Activation('softmax') or Dense(..., activation='softmax'), which pass the mask along")
        }
        return .drops
    }

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        let rank = inputShape.count + 1   // with the batch axis
        let a = axis < 0 ? axis + rank : axis
        guard a >= 1, a < rank else {
            throw SeqNNError.shape("Softmax '\(name)': axis \(axis) is out of range for input shape \(describeShape(inputShape)) (it must name a non-batch axis)")
        }
        sampleAxis = a - 1
        return inputShape
    }

    /// Over the last axis the activation does it; otherwise [outer, n, inner] blocks along the axis.
    private var onLastAxis: Bool { inputShape.map { sampleAxis == $0.count - 1 } ?? true }

    override package func exposesLogits(for activation: String) -> Bool { onLastAxis && super.exposesLogits(for: activation) }

    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        guard !onLastAxis, let shape = inputShape else { return super.forward(x, state, training: training, rng: &rng) }
        state.output.resize(x.shape)
        let (n, inner) = (shape[sampleAxis], shape[(sampleAxis + 1)...].reduce(1, *))
        let outer = x.count / (n * inner)
        let xs = x.data, ys = state.output.data
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * n * inner + i
                var m = -Float.infinity
                for k in 0..<n { m = max(m, xs[base + k * inner]) }
                var s: Float = 0
                for k in 0..<n { let e = FastMath.exp(xs[base + k * inner] - m); ys[base + k * inner] = e; s += e }
                let inv = 1 / s
                for k in 0..<n { ys[base + k * inner] *= inv }
            }
        }
    }

    /// dx_k = y_k * (dy_k - sum_j dy_j y_j) along the axis.
    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard !onLastAxis, let shape = inputShape else { return super.backward(x, dy, state, needInputGrad: needInputGrad) }
        guard needInputGrad else { return }
        state.gradInput.resize(x.shape)
        let (n, inner) = (shape[sampleAxis], shape[(sampleAxis + 1)...].reduce(1, *))
        let outer = x.count / (n * inner)
        let y = state.output.data, g = dy.data, dx = state.gradInput.data
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * n * inner + i
                var dot: Float = 0
                for k in 0..<n { dot += g[base + k * inner] * y[base + k * inner] }
                for k in 0..<n { dx[base + k * inner] = y[base + k * inner] * (g[base + k * inner] - dot) }
            }
        }
    }

    override package func layerConfig() -> [(String, JSON)] { [("axis", .number(Double(axis)))] }
}
