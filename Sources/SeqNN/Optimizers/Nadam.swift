#if canImport(Glibc)
import Glibc
#endif

/// `keras.optimizers.Nadam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)`, Keras 3's rule
/// (keras/src/optimizers/nadam.py): u_t = b1 (1 - 0.5 * 0.96^t), u_{t+1} likewise; the running product of u (Keras's
/// `u_product`, one scalar per optimizer) gives the bias corrections:
/// m_hat = u_{t+1} m / (1 - prod_{t+1}) + (1 - u_t) g / (1 - prod_t); v_hat = v / (1 - b2^t);
/// w -= lr m_hat / (sqrt(v_hat) + eps).
package final class Nadam: Optimizer, @unchecked Sendable {
    override package class var kerasClassName: String { "Nadam" }
    package var beta1: Float, beta2: Float, epsilon: Float
    /// Keras's `_u_product`, advanced once per step. Saved with the optimizer state.
    package var uProduct: Float = 1
    private var uProductStep = 0

    package init(config c: JSON = .object([])) throws {
        beta1 = try c.float("beta_1", 0.9, in: "Nadam")
        beta2 = try c.float("beta_2", 0.999, in: "Nadam")
        epsilon = try c.float("epsilon", 1e-7, in: "Nadam")
        try super.init(config: c, defaultLearningRate: 0.001)
    }

    override package var slotNames: [String] { ["momentum", "velocity"] }

    override package var extraState: [String: Float] {
        get { ["u_product": uProduct] }
        set {
            if let u = newValue["u_product"] { uProduct = u; uProductStep = iterations }
        }
    }
    override package var optionPairs: [(String, JSON)] {
        [("beta_1", .float(beta1)), ("beta_2", .float(beta2)), ("epsilon", .float(epsilon))]
    }

    func momentumCache(_ t: Float) -> Float { beta1 * (1 - 0.5 * powf(0.96, t)) }

    override package func update(_ w: UnsafeMutablePointer<Float>, grad g: UnsafePointer<Float>, count n: Int, slots: [Tensor], step: Int) {
        let t = Float(step)
        let ut = momentumCache(t), ut1 = momentumCache(t + 1)
        // The product advances once per step, not once per weight.
        if uProductStep != step { uProduct *= ut; uProductStep = step }
        let prodT = uProduct, prodT1 = uProduct * ut1
        let b2t = powf(beta2, t)
        let m = slots[0].data, v = slots[1].data
        for j in 0..<n {
            m[j] += (g[j] - m[j]) * (1 - beta1)
            v[j] += (g[j] * g[j] - v[j]) * (1 - beta2)
            let mHat = ut1 * m[j] / (1 - prodT1) + (1 - ut) * g[j] / (1 - prodT)
            let vHat = v[j] / (1 - b2t)
            w[j] -= learningRate * mHat / (vHat.squareRoot() + epsilon)
        }
    }
}
