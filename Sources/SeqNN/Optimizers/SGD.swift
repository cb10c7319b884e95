/// `keras.optimizers.SGD(learning_rate=0.01, momentum=0.0, nesterov=False)`.
/// With momentum: m = momentum * m - lr * g; w += m, or with Nesterov w += momentum * m - lr * g.
package final class SGD: Optimizer, @unchecked Sendable {
    override package class var kerasClassName: String { "SGD" }
    package var momentum: Float
    package var nesterov: Bool

    package init(config c: JSON = .object([])) throws {
        momentum = try c.float("momentum", 0, in: "SGD")
        nesterov = c["nesterov"]?.bool ?? false
        guard momentum >= 0, momentum <= 1 else { throw SeqNNError(.invalidArgument, "SGD: momentum must be in [0, 1], found \(momentum)") }
        try super.init(config: c, defaultLearningRate: 0.01)
    }

    override package var slotNames: [String] { momentum > 0 ? ["momentum"] : [] }
    override package var optionPairs: [(String, JSON)] { [("momentum", .float(momentum)), ("nesterov", .bool(nesterov))] }

    override package func update(_ w: UnsafeMutablePointer<Float>, grad g: UnsafePointer<Float>, count n: Int, slots: [Tensor], step: Int) {
        let lr = learningRate
        guard momentum > 0 else {
            for j in 0..<n { w[j] -= lr * g[j] }
            return
        }
        let m = slots[0].data
        for j in 0..<n {
            m[j] = momentum * m[j] - lr * g[j]
            w[j] += nesterov ? momentum * m[j] - lr * g[j] : m[j]
        }
    }
}
