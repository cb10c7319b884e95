#if canImport(Glibc)
import Glibc
#endif

/// `keras.layers.BatchNormalization` over the last axis (channels_last; Keras's default axis=-1).
///
/// Training: normalise with the batch's mean and (biased) variance over every axis but the last, and move
/// moving_mean/moving_variance towards them: moving = moving * momentum + batch * (1 - momentum).
/// Inference, and training of a layer with trainable=False (Keras's TF2 behaviour): use the moving
/// statistics. Weights in Keras order: gamma (if scale), beta (if center), moving_mean, moving_variance;
/// the moving statistics are not trainable.
package final class BatchNormalization: Layer, @unchecked Sendable {
    override package class var kerasClassName: String { "BatchNormalization" }
    package let momentum: Float
    package let epsilon: Float
    /// Keras's `axis` as configured (-1, or counting the batch axis); only the last axis is supported.
    var axis = -1
    package let center: Bool
    package let scale: Bool
    var gammaInit: any Initializer = Constant(value: 1, className: "Ones")
    var betaInit: any Initializer = Constant(value: 0, className: "Zeros")
    var meanInit: any Initializer = Constant(value: 0, className: "Zeros")
    var varianceInit: any Initializer = Constant(value: 1, className: "Ones")
    var gammaRegularizer: Regularizer?
    var betaRegularizer: Regularizer?
    private(set) var gamma: Parameter?
    private(set) var beta: Parameter?
    private(set) var movingMean: Parameter?
    private(set) var movingVariance: Parameter?
    private var params: [Parameter] = []

    package init(momentum: Float = 0.99, epsilon: Float = 1e-3, center: Bool = true, scale: Bool = true,
                name: String = "batch_normalization") throws {
        guard momentum >= 0, momentum <= 1, epsilon > 0 else {
            throw SeqNNError.invalid("BatchNormalization '\(name)': momentum must be in [0, 1] and epsilon > 0")
        }
        self.momentum = momentum
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        super.init(name: name)
    }

    /// Keras 3's BatchNormalization computes its training batch statistics over the unmasked steps only,
    /// which SeqNN does not: refused rather than different.
    override package func maskOutput(inputMask: [Int]?) throws -> MaskOutput {
        guard inputMask == nil else {
            throw SeqNNError(.unsupported, "BatchNormalization '\(name)' receives a Keras mask (from Masking or Embedding(mask_zero=True) before it); Keras then takes the batch statistics over unmasked steps only, which SeqNN does not implement; put BatchNormalization before the masking layer or use LayerNormalization")
        }
        return .drops
    }

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        try requireLastAxis(axis, inputShape, "\(Self.kerasClassName) '\(name)'")
        guard let c = inputShape.last, c > 0 else { throw SeqNNError.shape("BatchNormalization '\(name)' needs a known last axis") }
        func make(_ n: String, _ i: any Initializer, trainable: Bool, _ r: Regularizer? = nil) -> Parameter {
            let p = Parameter(name: n, shape: [c], trainable: trainable, regularizer: r)
            i.fill(p.value, rng: &rng)
            return p
        }
        gamma = scale ? make("gamma", gammaInit, trainable: true, gammaRegularizer) : nil
        beta = center ? make("beta", betaInit, trainable: true, betaRegularizer) : nil
        movingMean = make("moving_mean", meanInit, trainable: false)
        movingVariance = make("moving_variance", varianceInit, trainable: false)
        params = [gamma, beta, movingMean, movingVariance].compactMap { $0 }
        return inputShape
    }

    override package var parameters: [Parameter] { params }

    /// gamma, beta and the moving mean and variance, one per channel.
    override package func declaredWeightCount(inputShape: [Int]) -> Int { Size.product(4, inputShape.last ?? 0) }

    enum Buffer: Int, BufferName { case stats, sums }

    /// Batch statistics are used only when training a trainable layer.
    func usesBatchStatistics(_ training: Bool) -> Bool { training && trainable }

    // x: [rows, C] with rows = all leading axes. aux: x_hat [rows, C];
    // `Buffer.stats`: [mean | inv_std] per channel, then 1 if batch statistics were used (for backward).
    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        guard let mm = movingMean, let mv = movingVariance else { return }
        let c = mm.value.count, rows = x.count / c
        let stats = state.buffer(Buffer.stats)
        stats.resize([2 * c + 1])
        let mean = stats.data, invStd = stats.data + c
        stats.data[2 * c] = usesBatchStatistics(training) ? 1 : 0
        if usesBatchStatistics(training) {
            for j in 0..<c { mean[j] = 0; invStd[j] = 0 }
            for r in 0..<rows { for j in 0..<c { mean[j] += x.data[r * c + j] } }
            for j in 0..<c { mean[j] /= Float(rows) }
            for r in 0..<rows { for j in 0..<c { let d = x.data[r * c + j] - mean[j]; invStd[j] += d * d } }
            for j in 0..<c {
                let variance = invStd[j] / Float(rows)
                mm.value.data[j] = mm.value.data[j] * momentum + mean[j] * (1 - momentum)
                mv.value.data[j] = mv.value.data[j] * momentum + variance * (1 - momentum)
                invStd[j] = 1 / (variance + epsilon).squareRoot()
            }
        } else {
            for j in 0..<c { mean[j] = mm.value.data[j]; invStd[j] = 1 / (mv.value.data[j] + epsilon).squareRoot() }
        }
        state.aux.resize(x.shape)
        state.output.resize(x.shape)
        for r in 0..<rows {
            for j in 0..<c {
                let i = r * c + j
                let xh = (x.data[i] - mean[j]) * invStd[j]
                state.aux.data[i] = xh
                state.output.data[i] = xh * (gamma?.value.data[j] ?? 1) + (beta?.value.data[j] ?? 0)
            }
        }
    }

    /// With batch statistics: dx = inv_std / N * (N g dy - sum(g dy) - x_hat sum(g dy x_hat)); with fixed
    /// statistics the normalisation is affine: dx = g dy inv_std.
    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard let mm = movingMean else { return }
        let c = mm.value.count, rows = x.count / c
        let xh = state.aux.data, invStd = state.buffer(Buffer.stats).data + c
        let sums = state.buffer(Buffer.sums)
        sums.resize([2 * c])
        let sumDy = sums.data, sumDyXh = sums.data + c
        for j in 0..<c { sumDy[j] = 0; sumDyXh[j] = 0 }
        for r in 0..<rows { for j in 0..<c { let i = r * c + j; sumDy[j] += dy.data[i]; sumDyXh[j] += dy.data[i] * xh[i] } }
        if let g = gamma, g.trainable { for j in 0..<c { g.grad.data[j] += sumDyXh[j] } }
        if let b = beta, b.trainable { for j in 0..<c { b.grad.data[j] += sumDy[j] } }
        guard needInputGrad else { return }
        state.gradInput.resize(x.shape)
        let batchStats = state.buffer(Buffer.stats).data[2 * c] != 0
        let n = Float(rows)
        for r in 0..<rows {
            for j in 0..<c {
                let i = r * c + j
                let g = gamma?.value.data[j] ?? 1
                state.gradInput.data[i] = batchStats
                    ? g * invStd[j] / n * (n * dy.data[i] - sumDy[j] - xh[i] * sumDyXh[j])
                    : g * invStd[j] * dy.data[i]
            }
        }
    }

    override package func layerConfig() -> [(String, JSON)] {
        [("axis", .number(Double(axis))), ("momentum", .float(momentum)), ("epsilon", .float(epsilon)),
         ("center", .bool(center)), ("scale", .bool(scale)),
         ("beta_initializer", betaInit.json), ("gamma_initializer", gammaInit.json),
         ("moving_mean_initializer", meanInit.json), ("moving_variance_initializer", varianceInit.json),
         ("beta_regularizer", betaRegularizer?.json ?? .null), ("gamma_regularizer", gammaRegularizer?.json ?? .null),
         ("beta_constraint", .null), ("gamma_constraint", .null)]
    }
}

extension BatchNormalization {
    convenience init(config c: LayerConfig) throws {
        try c.rejectSet(["beta_constraint", "gamma_constraint", "renorm", "synchronized", "virtual_batch_size", "adjustment"])
        try self.init(momentum: c.float("momentum", default: 0.99), epsilon: c.float("epsilon", default: 1e-3),
                      center: c.bool("center", default: true), scale: c.bool("scale", default: true),
                      name: c.name ?? "batch_normalization")
        axis = try c.normalizationAxis()
        gammaInit = try c.initializer("gamma_initializer", default: gammaInit)
        betaInit = try c.initializer("beta_initializer", default: betaInit)
        meanInit = try c.initializer("moving_mean_initializer", default: meanInit)
        varianceInit = try c.initializer("moving_variance_initializer", default: varianceInit)
        gammaRegularizer = try c.regularizer("gamma_regularizer")
        betaRegularizer = try c.regularizer("beta_regularizer")
    }
}
