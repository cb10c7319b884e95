/// `keras.layers.PReLU(alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
/// shared_axes=None)`: y = relu(x) - alpha * relu(-x) with a trainable `alpha` of the input's shape
/// (batch excluded), of size 1 along each shared axis (`shared_axes` counts the batch axis as 0, as in
/// Keras: [1, 2] shares one alpha per channel over height and width).
///
/// Gradients follow the same expression with TensorFlow's relu gradient (0 at 0): dx = dy for x > 0,
/// dy * alpha for x < 0, 0 at x == 0; dalpha = sum of dy * min(x, 0) over the batch and shared axes.
package final class PReLU: Layer, @unchecked Sendable {
    override package class var kerasClassName: String { "PReLU" }

    package let alphaInitializer: any Initializer
    package let alphaRegularizer: Regularizer?
    /// As configured (1-based: axis 0 is the batch), or nil.
    package let sharedAxes: [Int]?
    package private(set) var alpha: Parameter?
    private var params: [Parameter] = []
    /// For each value of a sample, the index of its alpha (fixed by `build`, so passes allocate nothing).
    private var alphaIndex: [Int] = []

    package init(alphaInitializer: any Initializer = Constant(value: 0, className: "Zeros"),
                alphaRegularizer: Regularizer? = nil, sharedAxes: [Int]? = nil, name: String = "p_re_lu") {
        self.alphaInitializer = alphaInitializer
        self.alphaRegularizer = alphaRegularizer
        self.sharedAxes = sharedAxes
        super.init(name: name)
    }

    convenience init(config c: LayerConfig) throws {
        try c.rejectSet(["alpha_constraint"])
        var shared: [Int]?
        if let v = c.json["shared_axes"], !v.isNull {
            shared = v.int.map { [$0] } ?? v.intList?.compactMap { $0 }
            guard let s = shared, s.count == (v.intList?.count ?? 1) else { throw c.fail("shared_axes", "an integer or a list of integers") }
        }
        self.init(alphaInitializer: try c.initializer("alpha_initializer", default: Constant(value: 0, className: "Zeros")),
                  alphaRegularizer: try c.regularizer("alpha_regularizer"), sharedAxes: shared, name: c.name ?? "p_re_lu")
    }

    /// Keras: `supports_masking = True`; a mask passes through unchanged.
    override package func maskOutput(inputMask: [Int]?) throws -> MaskOutput { .passing(inputMask) }

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        var shape = inputShape
        for a in sharedAxes ?? [] {
            guard a >= 1, a <= inputShape.count else {
                throw SeqNNError.shape("PReLU '\(name)': shared axis \(a) is out of range for input shape \(describeShape(inputShape)) (axes 1...\(inputShape.count))")
            }
            shape[a - 1] = 1
        }
        let p = Parameter(name: "alpha", shape: shape, regularizer: alphaRegularizer)
        alphaInitializer.fill(p.value, rng: &rng)
        alpha = p
        params = [p]
        alphaIndex = Self.broadcastIndex(from: inputShape, to: shape)
        return inputShape
    }

    /// Row-major index into `to` (each of whose axes is 1 or as in `from`) of every position of `from`.
    static func broadcastIndex(from: [Int], to: [Int]) -> [Int] {
        var strides = [Int](repeating: 0, count: to.count), s = 1
        for i in (0..<to.count).reversed() { strides[i] = to[i] == 1 ? 0 : s; s *= to[i] }
        var out = [Int](repeating: 0, count: from.reduce(1, *)), idx = [Int](repeating: 0, count: from.count)
        for j in out.indices {
            out[j] = zip(idx, strides).reduce(0) { $0 + $1.0 * $1.1 }
            var k = from.count - 1
            while k >= 0 { idx[k] += 1; if idx[k] < from[k] { break }; idx[k] = 0; k -= 1 }
        }
        return out
    }

    override package var parameters: [Parameter] { params }

    /// At most one alpha per input value (fewer along shared axes).
    override package func declaredWeightCount(inputShape: [Int]) -> Int { Size.product(inputShape) }

    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        guard let alpha else { return }
        state.output.resize(x.shape)
        let per = alphaIndex.count, a = alpha.value.data, xs = x.data, y = state.output.data
        alphaIndex.withUnsafeBufferPointer { ix in
            for s in 0..<(x.count / max(per, 1)) {
                let o = s * per
                for j in 0..<per { let v = xs[o + j]; y[o + j] = max(v, 0) - a[ix[j]] * max(-v, 0) }
            }
        }
    }

    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard let alpha else { return }
        let per = alphaIndex.count, a = alpha.value.data, xs = x.data, g = dy.data
        if needInputGrad { state.gradInput.resize(x.shape) }
        let dx = state.gradInput.data, da = alpha.trainable ? alpha.grad.data : nil
        alphaIndex.withUnsafeBufferPointer { ix in
            for s in 0..<(x.count / max(per, 1)) {
                let o = s * per
                for j in 0..<per {
                    let v = xs[o + j]
                    if needInputGrad { dx[o + j] = v > 0 ? g[o + j] : (v < 0 ? g[o + j] * a[ix[j]] : 0) }
                    if let da, v < 0 { da[ix[j]] += g[o + j] * v }
                }
            }
        }
    }

    override package func layerConfig() -> [(String, JSON)] {
        [("alpha_initializer", alphaInitializer.json), ("alpha_regularizer", alphaRegularizer?.json ?? .null),
         ("alpha_constraint", .null),
         ("shared_axes", sharedAxes.map { .array($0.map { .number(Double($0)) }) } ?? .null)]
    }
}
