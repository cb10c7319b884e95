import CSeqNNKernels
#if canImport(Glibc)
import Glibc
#endif

/// `keras.optimizers.Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False)`.
/// alpha = lr sqrt(1 - b2^t) / (1 - b1^t); m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
/// with amsgrad v_hat = max(v_hat, v) replaces v; w -= alpha m / (sqrt(v) + eps).
package class Adam: Optimizer, @unchecked Sendable {
    override package class var kerasClassName: String { "Adam" }
    package var beta1: Float, beta2: Float, epsilon: Float, amsgrad: Bool

    package init(config c: JSON = .object([]), defaultWeightDecay: Float? = nil) throws {
        beta1 = try c.float("beta_1", 0.9, in: Self.kerasClassName)
        beta2 = try c.float("beta_2", 0.999, in: Self.kerasClassName)
        epsilon = try c.float("epsilon", 1e-7, in: Self.kerasClassName)
        amsgrad = c["amsgrad"]?.bool ?? false
        try super.init(config: c, defaultLearningRate: 0.001)
        if weightDecay == nil { weightDecay = defaultWeightDecay }
    }

    override package var slotNames: [String] { ["momentum", "velocity"] + (amsgrad ? ["velocity_hat"] : []) }
    override package var optionPairs: [(String, JSON)] {
        [("beta_1", .float(beta1)), ("beta_2", .float(beta2)),
         ("epsilon", .float(epsilon)), ("amsgrad", .bool(amsgrad))]
    }

    override package func update(_ w: UnsafeMutablePointer<Float>, grad g: UnsafePointer<Float>, count n: Int, slots: [Tensor], step: Int) {
        let t = Float(step)
        let alpha = learningRate * (1 - powf(beta2, t)).squareRoot() / (1 - powf(beta1, t))
        let m = slots[0].data, v = slots[1].data
        let b1 = 1 - beta1, b2 = 1 - beta2, eps = epsilon
        if amsgrad {
            let vhat = slots[2].data
            for j in 0..<n {
                m[j] += (g[j] - m[j]) * b1
                v[j] += (g[j] * g[j] - v[j]) * b2
                vhat[j] = max(vhat[j], v[j])
                w[j] -= alpha * m[j] / (vhat[j].squareRoot() + eps)
            }
        } else {
            // The C kernel (CSeqNNKernels/optimizer.c) runs this for AVX-512/AVX2; it is `plainUpdate`, bit for bit.
            SeqNNKernels_adam(w, g, m, v, n, alpha, b1, b2, eps)
        }
    }

    /// The reference for the default update: the loop SeqNNKernels_adam runs.
    static func plainUpdate(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                            _ v: UnsafeMutablePointer<Float>, count n: Int, alpha: Float, b1: Float, b2: Float, eps: Float) {
        for j in 0..<n {
            let mj = m[j] + (g[j] - m[j]) * b1
            let vj = v[j] + (g[j] * g[j] - v[j]) * b2
            m[j] = mj
            v[j] = vj
            w[j] -= alpha * mj / (vj.squareRoot() + eps)
        }
    }
}
