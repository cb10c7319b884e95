/// `keras.optimizers.Adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7)`.
/// acc += g^2; w -= lr g / sqrt(acc + eps).
package final class Adagrad: Optimizer, @unchecked Sendable {
    override package class var kerasClassName: String { "Adagrad" }
    package var initialAccumulatorValue: Float, epsilon: Float

    package init(config c: JSON = .object([])) throws {
        initialAccumulatorValue = try c.float("initial_accumulator_value", 0.1, in: "Adagrad")
        epsilon = try c.float("epsilon", 1e-7, in: "Adagrad")
        try super.init(config: c, defaultLearningRate: 0.001)
    }

    override package var slotNames: [String] { ["accumulator"] }
    override package var optionPairs: [(String, JSON)] {
        [("initial_accumulator_value", .float(initialAccumulatorValue)), ("epsilon", .float(epsilon))]
    }
    override package func initializeSlots() { for s in slots { s[0].fill(initialAccumulatorValue) } }

    override package func update(_ w: UnsafeMutablePointer<Float>, grad g: UnsafePointer<Float>, count n: Int, slots: [Tensor], step: Int) {
        let acc = slots[0].data
        for j in 0..<n {
            acc[j] += g[j] * g[j]
            w[j] -= learningRate * g[j] / (acc[j] + epsilon).squareRoot()
        }
    }
}
