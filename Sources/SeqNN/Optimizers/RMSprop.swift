import CSeqNNKernels

/// `keras.optimizers.RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False)`.
/// v = rho v + (1 - rho) g^2; with centered, a = rho a + (1 - rho) g and the denominator is v - a^2;
/// step = lr g / sqrt(denominator + eps) (Keras 3 puts epsilon inside the root); with momentum,
/// m = momentum m + step and w -= m, else w -= step.
package final class RMSprop: Optimizer, @unchecked Sendable {
    override package class var kerasClassName: String { "RMSprop" }
    package var rho: Float, momentum: Float, epsilon: Float, centered: Bool

    package init(config c: JSON = .object([])) throws {
        rho = try c.float("rho", 0.9, in: "RMSprop")
        momentum = try c.float("momentum", 0, in: "RMSprop")
        epsilon = try c.float("epsilon", 1e-7, in: "RMSprop")
        centered = c["centered"]?.bool ?? false
        try super.init(config: c, defaultLearningRate: 0.001)
    }

    override package var slotNames: [String] {
        ["velocity"] + (momentum > 0 ? ["momentum"] : []) + (centered ? ["average_gradient"] : [])
    }
    override package var optionPairs: [(String, JSON)] {
        [("rho", .float(rho)), ("momentum", .float(momentum)),
         ("epsilon", .float(epsilon)), ("centered", .bool(centered))]
    }

    override package func update(_ w: UnsafeMutablePointer<Float>, grad g: UnsafePointer<Float>, count n: Int, slots: [Tensor], step: Int) {
        let v = slots[0].data
        if momentum == 0 && !centered {
            // The default configuration runs as a C kernel compiled for AVX-512/AVX2 (CSeqNNKernels/optimizer.c):
            // as a Swift loop it was 39 % of the tutorial MLP's training time. The general loop below is its
            // reference (tests compare them bit for bit).
            SeqNNKernels_rmsprop(w, g, v, n, rho, learningRate, epsilon)
            return
        }
        let m: UnsafeMutablePointer<Float>? = momentum > 0 ? slots[1].data : nil
        let a: UnsafeMutablePointer<Float>? = centered ? slots[momentum > 0 ? 2 : 1].data : nil
        for j in 0..<n {
            v[j] = rho * v[j] + (1 - rho) * g[j] * g[j]
            var denom = v[j]
            if let a {
                a[j] = rho * a[j] + (1 - rho) * g[j]
                denom -= a[j] * a[j]
            }
            let inc = learningRate * g[j] / (denom + epsilon).squareRoot()
            if let m {
                m[j] = momentum * m[j] + inc
                w[j] -= m[j]
            } else {
                w[j] -= inc
            }
        }
    }
}
