/// `keras.optimizers.Adadelta(learning_rate=0.001, rho=0.95, epsilon=1e-7)`.
/// Eg = rho Eg + (1 - rho) g^2; d = -sqrt(Ed + eps) / sqrt(Eg + eps) * g; Ed = rho Ed + (1 - rho) d^2; w += lr d.
package final class Adadelta: Optimizer, @unchecked Sendable {
    override package class var kerasClassName: String { "Adadelta" }
    package var rho: Float, epsilon: Float

    package init(config c: JSON = .object([])) throws {
        rho = try c.float("rho", 0.95, in: "Adadelta")
        epsilon = try c.float("epsilon", 1e-7, in: "Adadelta")
        try super.init(config: c, defaultLearningRate: 0.001)
    }

    override package var slotNames: [String] { ["accumulated_grad", "accumulated_delta_var"] }
    override package var optionPairs: [(String, JSON)] { [("rho", .float(rho)), ("epsilon", .float(epsilon))] }

    override package func update(_ w: UnsafeMutablePointer<Float>, grad g: UnsafePointer<Float>, count n: Int, slots: [Tensor], step: Int) {
        let eg = slots[0].data, ed = slots[1].data
        for j in 0..<n {
            eg[j] = rho * eg[j] + (1 - rho) * g[j] * g[j]
            let d = -(ed[j] + epsilon).squareRoot() / (eg[j] + epsilon).squareRoot() * g[j]
            ed[j] = rho * ed[j] + (1 - rho) * d * d
            w[j] += learningRate * d
        }
    }
}
