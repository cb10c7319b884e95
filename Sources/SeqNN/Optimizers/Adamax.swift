#if canImport(Glibc)
import Glibc
#endif

/// `keras.optimizers.Adamax(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)`.
/// m += (g - m)(1 - b1); u = max(b2 u, |g|); w -= lr / (1 - b1^t) * m / (u + eps).
package final class Adamax: Optimizer, @unchecked Sendable {
    override package class var kerasClassName: String { "Adamax" }
    package var beta1: Float, beta2: Float, epsilon: Float

    package init(config c: JSON = .object([])) throws {
        beta1 = try c.float("beta_1", 0.9, in: "Adamax")
        beta2 = try c.float("beta_2", 0.999, in: "Adamax")
        epsilon = try c.float("epsilon", 1e-7, in: "Adamax")
        try super.init(config: c, defaultLearningRate: 0.001)
    }

    override package var slotNames: [String] { ["m", "u"] }
    override package var optionPairs: [(String, JSON)] {
        [("beta_1", .float(beta1)), ("beta_2", .float(beta2)), ("epsilon", .float(epsilon))]
    }

    override package func update(_ w: UnsafeMutablePointer<Float>, grad g: UnsafePointer<Float>, count n: Int, slots: [Tensor], step: Int) {
        let m = slots[0].data, u = slots[1].data
        let lrT = learningRate / (1 - powf(beta1, Float(step)))
        for j in 0..<n {
            m[j] += (g[j] - m[j]) * (1 - beta1)
            u[j] = max(beta2 * u[j], abs(g[j]))
            w[j] -= lrT * m[j] / (u[j] + epsilon)
        }
    }
}
