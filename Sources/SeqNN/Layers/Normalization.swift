#if canImport(Glibc)
import Glibc
#endif

/// `keras.layers.Normalization(axis=-1, mean=None, variance=None, invert=False)`: y = (x - mean) /
/// max(sqrt(variance), 1e-7) per feature of the last axis (or one mean and variance for everything with
/// `axis=None`); with `invert`, x = mean + y * max(sqrt(variance), 1e-7).
///
/// The statistics come from the config (`mean`, `variance`: then the layer has no weights and the config
/// carries them, as in Keras) or are learned by `adapt(data)` before training: then they are the
/// non-trainable weights `mean`, `variance` and `count` (the number of samples seen, an int64 in Keras's
/// files), in Keras's order, so files from either side load. Nothing here trains.
package final class Normalization: Layer, @unchecked Sendable {
    override package class var kerasClassName: String { "Normalization" }

    /// nil for Keras's `axis=None` (one statistic for all values), else -1 or the last axis counting the batch.
    package let axis: Int?
    package let invert: Bool
    /// The statistics given in the config, broadcast to the kept axis when built.
    package let givenMean: [Float]?
    package let givenVariance: [Float]?
    /// Whether adapt records in `count` how many values each statistic was taken over, as tf_keras does;
    /// Keras 3's adapt leaves it 0.
    package var countsSamples = false
    private var mean: Parameter?, variance: Parameter?, count: Parameter?
    private var params: [Parameter] = []
    /// With statistics from the config: mean and 1 / max(sqrt(variance), epsilon) (the scale itself with
    /// invert) per feature, fixed by build. With weights, the same are computed per pass from them.
    private let shift = Tensor(shape: [0]), factor = Tensor(shape: [0])
    enum Buffer: Int, BufferName { case shift, factor }
    /// Keras's backend epsilon.
    static let epsilon: Float = 1e-7

    package init(axis: Int? = -1, mean: [Float]? = nil, variance: [Float]? = nil, invert: Bool = false,
                 name: String = "normalization") throws {
        guard (mean == nil) == (variance == nil) else {
            throw SeqNNError.invalid("Normalization '\(name)': give both mean and variance, or neither (then adapt the layer)")
        }
        if let variance, let bad = variance.first(where: { !($0 >= 0) || !$0.isFinite }) {
            throw SeqNNError.invalid("Normalization '\(name)': variance must be finite and >= 0, found \(bad)")
        }
        if let mean, let bad = mean.first(where: { !$0.isFinite }) {
            throw SeqNNError.invalid("Normalization '\(name)': mean must be finite, found \(bad)")
        }
        self.axis = axis
        self.invert = invert
        givenMean = mean
        givenVariance = variance
        super.init(name: name)
    }

    convenience init(config c: LayerConfig) throws {
        var axis: Int? = -1
        if let a = c.json["axis"], a.isNull || a.array?.isEmpty == true {   // Keras writes axis=None as []
            axis = nil
        } else if c.has("axis") {
            axis = try c.normalizationAxis()
        }
        try self.init(axis: axis, mean: Self.values(c, "mean"), variance: Self.values(c, "variance"),
                      invert: c.bool("invert", default: false), name: c.name ?? "normalization")
        countsSamples = c.kerasMajor < 3
    }

    /// A config statistic: a number or a list of numbers (Keras broadcasts either), nil when absent.
    static func values(_ c: LayerConfig, _ key: String) throws -> [Float]? {
        guard let v = c.json[key], !v.isNull else { return nil }
        if let n = v.number { return [Float(n)] }
        guard let list = v.array, !list.isEmpty, list.allSatisfy({ $0.number != nil }) else {
            throw c.fail(key, "a number or a list of numbers")
        }
        return list.map { Float($0.number!) }
    }

    /// The per-feature size of the statistics for `inputShape`: the last axis, or 1 with axis=None.
    private func features(_ inputShape: [Int]) -> Int { axis == nil ? 1 : (inputShape.last ?? 1) }

    /// Keras: `supports_masking = True`; a mask passes through unchanged.
    override package func maskOutput(inputMask: [Int]?) throws -> MaskOutput { .passing(inputMask) }

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        if let axis { try requireLastAxis(axis, inputShape, "Normalization '\(name)'") }
        let n = features(inputShape)
        if let m = givenMean, let v = givenVariance {
            for (key, s) in [("mean", m), ("variance", v)] where s.count != 1 && s.count != n {
                throw SeqNNError.shape("Normalization '\(name)': \(key) has \(s.count) values; the input \(describeShape(inputShape)) needs 1 or \(n)")
            }
            setStatistics(mean: (0..<n).map { m[m.count == 1 ? 0 : $0] }, variance: (0..<n).map { v[v.count == 1 ? 0 : $0] })
            return inputShape
        }
        let shape = axis == nil ? [] : [n]
        let m = Parameter(name: "mean", shape: shape, trainable: false)
        let v = Parameter(name: "variance", shape: shape, trainable: false)
        let k = Parameter(name: "count", shape: [], trainable: false)
        k.storedAsInteger = true
        v.value.fill(1)   // Keras's initial variance: the identity until adapted
        (mean, variance, count, params) = (m, v, k, [m, v, k])
        return inputShape
    }

    override package var parameters: [Parameter] { params }

    /// mean and variance are stored here too when they are weights, so they are at most one value per feature.
    override package func declaredWeightCount(inputShape: [Int]) -> Int {
        givenMean != nil ? 0 : Size.sum(Size.product(2, features(inputShape)), 1)
    }

    private func setStatistics(mean m: [Float], variance v: [Float]) {
        shift.resize([m.count])
        factor.resize([v.count])
        for i in m.indices { shift.data[i] = m[i]; factor.data[i] = scale(v[i]) }
    }

    /// What multiplies (x - mean), or with invert what y is multiplied by.
    private func scale(_ variance: Float) -> Float { let s = max(sqrtf(variance), Self.epsilon); return invert ? s : 1 / s }

    /// (mean, factor) per feature: the config's, or computed into `state` from the current weights (one
    /// square root per feature per pass), so weights set from a file or by hand take effect at once.
    private func statistics(_ state: LayerState) -> (UnsafePointer<Float>, UnsafePointer<Float>, Int) {
        guard let mean, let variance else { return (UnsafePointer(shift.data), UnsafePointer(factor.data), shift.count) }
        let n = mean.value.count
        let m = state.buffer(Buffer.shift), f = state.buffer(Buffer.factor)
        m.resize([n]); f.resize([n])
        for i in 0..<n { m.data[i] = mean.value.data[i]; f.data[i] = scale(variance.value.data[i]) }
        return (UnsafePointer(m.data), UnsafePointer(f.data), n)
    }

    /// Keras's `adapt(data)`: the mean and the (population) variance of `samples` samples of the built input
    /// shape, per feature, replacing any earlier ones; `count` is the number of values per feature (tf_keras)
    /// or stays 0 (Keras 3).
    override package func adapt(_ x: UnsafeBufferPointer<Float>, samples: Int) throws {
        guard let mean, let variance, let count, let shape = inputShape, let n = outputShape.map(features) else {
            throw SeqNNError.invalid("Normalization '\(name)': adapt needs a built layer whose mean and variance are not given in its config")
        }
        let perSample = shape.reduce(1, *)
        guard samples > 0, x.count == samples * perSample else {
            throw SeqNNError.shape("Normalization '\(name)': adapt got \(x.count) values; \(samples) samples of \(describeShape(shape)) are \(samples * perSample)")
        }
        if let bad = x.firstIndex(where: { !$0.isFinite }) {
            throw SeqNNError(.numeric, "Normalization '\(name)': adapt data holds \(x[bad]) at position \(bad); it must be finite")
        }
        var sum = [Double](repeating: 0, count: n), sq = [Double](repeating: 0, count: n)
        for i in 0..<x.count { let f = i % n, v = Double(x[i]); sum[f] += v; sq[f] += v * v }
        let rows = Double(x.count / n)
        for f in 0..<n {
            let m = sum[f] / rows
            mean.value.data[f] = Float(m)
            variance.value.data[f] = Float(max(sq[f] / rows - m * m, 0))
        }
        count.value.data[0] = countsSamples ? Float(rows) : 0
    }

    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        state.output.resize(x.shape)
        let (m, s, n) = statistics(state)
        let xs = x.data, y = state.output.data
        if invert {
            for i in 0..<x.count { y[i] = m[i % n] + xs[i] * s[i % n] }
        } else {
            for i in 0..<x.count { y[i] = (xs[i] - m[i % n]) * s[i % n] }
        }
    }

    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard needInputGrad else { return }
        state.gradInput.resize(x.shape)
        let (_, s, n) = statistics(state)
        let g = dy.data, dx = state.gradInput.data
        for i in 0..<x.count { dx[i] = g[i] * s[i % n] }
    }

    override package func layerConfig() -> [(String, JSON)] {
        let list: ([Float]?) -> JSON = { $0.map { .array($0.map { .number(Double($0)) }) } ?? .null }
        return [("axis", axis.map { .array([.number(Double($0))]) } ?? .null), ("invert", .bool(invert)),
                ("mean", list(givenMean)), ("variance", list(givenVariance))]
    }
}
