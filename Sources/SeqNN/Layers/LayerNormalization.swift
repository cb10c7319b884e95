/// `keras.layers.LayerNormalization` over the last axis: each row is normalised by its own mean and
/// (biased) variance, then scaled by gamma and shifted by beta (Keras defaults epsilon=1e-3, center and
/// scale on). Weights: gamma, beta.
package final class LayerNormalization: Layer, @unchecked Sendable {
    override package class var kerasClassName: String { "LayerNormalization" }
    package let epsilon: Float
    /// Keras's `axis` as configured (-1, or counting the batch axis); only the last axis is supported.
    var axis = -1
    package let center: Bool
    package let scale: Bool
    var gammaInit: any Initializer = Constant(value: 1, className: "Ones")
    var betaInit: any Initializer = Constant(value: 0, className: "Zeros")
    private(set) var gamma: Parameter?
    private(set) var beta: Parameter?
    private var params: [Parameter] = []

    package init(epsilon: Float = 1e-3, center: Bool = true, scale: Bool = true, name: String = "layer_normalization") throws {
        guard epsilon > 0 else { throw SeqNNError.invalid("LayerNormalization '\(name)': epsilon must be > 0") }
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        super.init(name: name)
    }

    /// Keras: `supports_masking = True`; a mask passes through unchanged.
    override package func maskOutput(inputMask: [Int]?) throws -> MaskOutput { .passing(inputMask) }

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        try requireLastAxis(axis, inputShape, "\(Self.kerasClassName) '\(name)'")
        guard let c = inputShape.last, c > 0 else { throw SeqNNError.shape("LayerNormalization '\(name)' needs a known last axis") }
        if scale { let g = Parameter(name: "gamma", shape: [c]); gammaInit.fill(g.value, rng: &rng); gamma = g }
        if center { let b = Parameter(name: "beta", shape: [c]); betaInit.fill(b.value, rng: &rng); beta = b }
        params = [gamma, beta].compactMap { $0 }
        return inputShape
    }

    override package var parameters: [Parameter] { params }

    /// gamma and beta, one per channel.
    override package func declaredWeightCount(inputShape: [Int]) -> Int { Size.product(2, inputShape.last ?? 0) }

    enum Buffer: Int, BufferName { case invStd }

    // aux: x_hat [rows, C]; `Buffer.invStd`: inv_std per row.
    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        let c = x.shape.last ?? 1, rows = x.count / c
        let inv = state.buffer(Buffer.invStd)
        inv.resize([rows])
        state.aux.resize(x.shape)
        state.output.resize(x.shape)
        for r in 0..<rows {
            let row = x.data + r * c
            var mean: Float = 0
            for j in 0..<c { mean += row[j] }
            mean /= Float(c)
            var variance: Float = 0
            for j in 0..<c { let d = row[j] - mean; variance += d * d }
            let s = 1 / (variance / Float(c) + epsilon).squareRoot()
            inv.data[r] = s
            for j in 0..<c {
                let xh = (row[j] - mean) * s
                state.aux.data[r * c + j] = xh
                state.output.data[r * c + j] = xh * (gamma?.value.data[j] ?? 1) + (beta?.value.data[j] ?? 0)
            }
        }
    }

    /// Per row, with g_j = gamma_j dy_j: dx = inv_std / C * (C g - sum(g) - x_hat sum(g x_hat)).
    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        let c = x.shape.last ?? 1, rows = x.count / c
        let xh = state.aux.data, inv = state.buffer(Buffer.invStd).data
        for r in 0..<rows {
            for j in 0..<c {
                let i = r * c + j
                if let g = gamma, g.trainable { g.grad.data[j] += dy.data[i] * xh[i] }
                if let b = beta, b.trainable { b.grad.data[j] += dy.data[i] }
            }
        }
        guard needInputGrad else { return }
        state.gradInput.resize(x.shape)
        let n = Float(c)
        for r in 0..<rows {
            var sumG: Float = 0, sumGX: Float = 0
            for j in 0..<c {
                let g = (gamma?.value.data[j] ?? 1) * dy.data[r * c + j]
                sumG += g
                sumGX += g * xh[r * c + j]
            }
            for j in 0..<c {
                let i = r * c + j
                let g = (gamma?.value.data[j] ?? 1) * dy.data[i]
                state.gradInput.data[i] = inv[r] / n * (n * g - sumG - xh[i] * sumGX)
            }
        }
    }

    override package func layerConfig() -> [(String, JSON)] {
        [("axis", .number(Double(axis))), ("epsilon", .float(epsilon)), ("center", .bool(center)), ("scale", .bool(scale)),
         ("beta_initializer", betaInit.json), ("gamma_initializer", gammaInit.json),
         ("beta_regularizer", .null), ("gamma_regularizer", .null), ("beta_constraint", .null), ("gamma_constraint", .null)]
    }
}

extension LayerNormalization {
    convenience init(config c: LayerConfig) throws {
        try c.rejectSet(["beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint", "rms_scaling"])
        try self.init(epsilon: c.float("epsilon", default: 1e-3), center: c.bool("center", default: true),
                      scale: c.bool("scale", default: true), name: c.name ?? "layer_normalization")
        axis = try c.normalizationAxis()
        gammaInit = try c.initializer("gamma_initializer", default: gammaInit)
        betaInit = try c.initializer("beta_initializer", default: betaInit)
    }
}
