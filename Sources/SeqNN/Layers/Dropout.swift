/// `keras.layers.Dropout`: in training, zeroes each input with probability `rate` and scales the rest by
/// 1 / (1 - rate) (inverted dropout, as Keras does); at inference it is the identity.
/// The mask comes from the model's seeded generator, so training runs are reproducible.
package final class Dropout: Layer, @unchecked Sendable {
    override package class var kerasClassName: String { "Dropout" }
    package let rate: Float
    package let seed: Int?

    package init(rate: Float, seed: Int? = nil, name: String = "dropout") throws {
        guard rate >= 0, rate < 1 else {
            throw SeqNNError(.invalidArgument, "Dropout '\(name)': rate must be in [0, 1), found \(rate)")
        }
        self.rate = rate
        self.seed = seed
        super.init(name: name)
    }

    /// Keras: `supports_masking = True`; a mask passes through unchanged.
    override package func maskOutput(inputMask: [Int]?) throws -> MaskOutput { .passing(inputMask) }

    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        state.output.resize(x.shape)
        guard training, rate > 0 else {
            state.output.data.update(from: x.data, count: x.count)
            return
        }
        state.aux.resize(x.shape)   // the mask, already scaled: 0 or 1/(1-rate)
        let keep = 1 / (1 - rate)
        let threshold = Double(rate)
        for i in 0..<x.count {
            let m: Float = rng.uniform() < threshold ? 0 : keep
            state.aux.data[i] = m
            state.output.data[i] = x.data[i] * m
        }
    }

    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard needInputGrad else { return }
        state.gradInput.resize(x.shape)
        if rate > 0 {
            for i in 0..<x.count { state.gradInput.data[i] = dy.data[i] * state.aux.data[i] }
        } else {
            state.gradInput.data.update(from: dy.data, count: x.count)
        }
    }

    override package func layerConfig() -> [(String, JSON)] {
        [("rate", .float(rate)), ("seed", seed.map { .number(Double($0)) } ?? .null), ("noise_shape", .null)]
    }
}

extension Dropout {
    convenience init(config c: LayerConfig) throws {
        try c.rejectSet(["noise_shape"])
        guard c.has("rate") else { throw c.fail("rate", "a number in [0, 1)") }
        try self.init(rate: c.float("rate", default: 0), seed: c.has("seed") ? c.int("seed") : nil, name: c.name ?? "dropout")
    }
}
