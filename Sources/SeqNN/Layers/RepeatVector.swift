/// `keras.layers.RepeatVector(n)`: [batch, features] -> [batch, n, features].
package final class RepeatVector: Layer, @unchecked Sendable {
    override package class var kerasClassName: String { "RepeatVector" }
    package let n: Int

    package init(n: Int, name: String = "repeat_vector") throws {
        guard n > 0 else { throw SeqNNError.invalid("RepeatVector '\(name)': n must be positive, found \(n)") }
        self.n = n
        super.init(name: name)
    }

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        guard inputShape.count == 1 else {
            throw SeqNNError.shape("RepeatVector '\(name)' expects a 2-D input (batch, features), found \(describeShape(inputShape))")
        }
        return [n, inputShape[0]]
    }

    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        let f = x.rowLength
        state.output.resize(batch: x.rows, rest: outputShape ?? [n, f])
        for b in 0..<x.rows {
            for t in 0..<n { (state.output.data + (b * n + t) * f).update(from: x.data + b * f, count: f) }
        }
    }

    /// The gradient of a copy is the sum over the copies.
    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard needInputGrad else { return }
        let f = x.rowLength
        state.gradInput.resize(x.shape)
        state.gradInput.fill(0)
        for b in 0..<x.rows {
            for t in 0..<n { for j in 0..<f { state.gradInput.data[b * f + j] += dy.data[(b * n + t) * f + j] } }
        }
    }

    override package func layerConfig() -> [(String, JSON)] { [("n", .number(Double(n)))] }
}

extension RepeatVector {
    convenience init(config c: LayerConfig) throws {
        try self.init(n: c.int("n"), name: c.name ?? "repeat_vector")
    }
}
