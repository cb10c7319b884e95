/// `keras.layers.Embedding`: maps integer ids to rows of `embeddings (input_dim, output_dim)`.
///
/// Inputs are floats holding ids (SeqNN's inputs are float32), shape (batch, ...) -> (batch, ..., output_dim).
/// Like Keras's cast to int32, a fractional value is truncated toward zero. Ids must lie in [0, input_dim):
/// `Sequential.predict/fit/evaluate/train_on_batch` check the ids of a first-layer Embedding and fail with a
/// message naming the id and its position (TensorFlow's CPU gather errors too). An Embedding further down a
/// model cannot be checked before it runs; there an out-of-range id gives a zero vector (as TensorFlow's GPU
/// gather does).
///
/// `mask_zero=True` (Keras 2 and 3) makes the mask `ids != 0` (Keras's `compute_mask`), which the following
/// layers read (recurrent layers skip padded steps, the loss ignores them): id 0 is then the padding
/// and input_dim must count it.
package final class Embedding: Layer, @unchecked Sendable {
    override package class var kerasClassName: String { "Embedding" }
    package let inputDim: Int
    package let outputDim: Int
    package var embeddingsInitializer: any Initializer
    package var embeddingsRegularizer: Regularizer?
    /// Keras's mask_zero: the output carries the mask ids != 0.
    package let maskZero: Bool
    package private(set) var embeddings: Parameter?
    private var params: [Parameter] = []

    package init(inputDim: Int, outputDim: Int, embeddingsInitializer: any Initializer = RandomUniform(minval: -0.05, maxval: 0.05),
                embeddingsRegularizer: Regularizer? = nil, maskZero: Bool = false, name: String = "embedding") throws {
        guard inputDim > 0 else { throw SeqNNError(.invalidArgument, "Embedding '\(name)': input_dim must be a positive integer, found \(inputDim)") }
        guard outputDim > 0 else { throw SeqNNError(.invalidArgument, "Embedding '\(name)': output_dim must be a positive integer, found \(outputDim)") }
        self.inputDim = inputDim
        self.outputDim = outputDim
        self.embeddingsInitializer = embeddingsInitializer
        self.embeddingsRegularizer = embeddingsRegularizer
        self.maskZero = maskZero
        super.init(name: name)
    }

    /// With mask_zero, a mask of the input's shape; without, Keras 3 sets `supports_masking = mask_zero`, so
    /// a mask reaching it is dropped.
    override package func maskOutput(inputMask: [Int]?) throws -> MaskOutput {
        maskZero ? .produces(inputShape ?? []) : .drops
    }

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        guard Tensor.checkedElementCount([inputDim, outputDim]) != nil else {
            throw SeqNNError(.invalidArgument, "Embedding '\(name)': a [\(inputDim), \(outputDim)] table is too large (more than \(Tensor.maxElements) weights)")
        }
        let e = Parameter(name: "embeddings", shape: [inputDim, outputDim], regularizer: embeddingsRegularizer)
        embeddingsInitializer.fill(e.value, rng: &rng)
        embeddings = e
        params = [e]
        return inputShape + [outputDim]
    }

    override package var parameters: [Parameter] { params }

    override package func declaredWeightCount(inputShape: [Int]) -> Int { Size.product(inputDim, outputDim) }

    /// The table row of input value `v`, or nil when it is not an id in [0, input_dim) (after truncation).
    @inline(__always) func row(_ v: Float) -> Int? {
        guard v > -1, v < 2e9 else { return nil }   // also false for NaN
        let r = Int(v)   // truncates toward zero, as Keras's cast to int32
        return r < inputDim ? r : nil
    }

    /// A message for the first value of `x` (count values) that is not a valid id, or nil.
    override package func invalidInputMessage(_ x: UnsafePointer<Float>, count: Int) -> String? {
        let per = inputShape.map { Tensor.elementCount($0) } ?? 1
        for i in 0..<count where row(x[i]) == nil {
            return "Embedding '\(name)': input id \(x[i]) at sample \(i / max(per, 1)), position \(i % max(per, 1)) is out of range [0, \(inputDim)) (input_dim = \(inputDim))"
        }
        return nil
    }

    // x [rows...] of ids -> y [rows..., output_dim]: one row copy per id.
    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        guard let embeddings else { return }
        let d = outputDim
        state.output.resize(batch: x.rows, rest: outputShape ?? [d])
        let table = embeddings.value.data, y = state.output.data
        if maskZero {
            state.mask.resize(batch: x.rows, rest: inputShape ?? [])
            // Keras: not_equal(inputs, 0) on the float input (before the cast to int: 0.5 is not masked).
            for i in 0..<x.count { state.mask.data[i] = x.data[i] != 0 ? 1 : 0 }
        }
        for i in 0..<x.count {
            if let r = row(x.data[i]) {
                (y + i * d).update(from: table + r * d, count: d)
            } else {
                (y + i * d).update(repeating: 0, count: d)
            }
        }
    }

    // dE[id] += dy row; the ids themselves have no gradient (Keras: none either).
    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard let embeddings else { return }
        if embeddings.trainable {
            let d = outputDim, g = embeddings.grad.data
            for i in 0..<x.count {
                guard let r = row(x.data[i]) else { continue }
                let src = dy.data + i * d, dst = g + r * d
                for j in 0..<d { dst[j] += src[j] }
            }
        }
        if needInputGrad {
            state.gradInput.resize(x.shape)
            state.gradInput.fill(0)
        }
    }

    override package func layerConfig() -> [(String, JSON)] {
        [("input_dim", .number(Double(inputDim))), ("output_dim", .number(Double(outputDim))),
         ("embeddings_initializer", embeddingsInitializer.json), ("embeddings_regularizer", embeddingsRegularizer?.json ?? .null),
         ("activity_regularizer", .null), ("embeddings_constraint", .null), ("mask_zero", .bool(maskZero))]
    }
}

extension Embedding {
    convenience init(config c: LayerConfig) throws {
        try c.rejectSet(["activity_regularizer", "embeddings_constraint", "sparse", "lora_rank", "quantization_config"])
        for key in ["input_dim", "output_dim"] {
            guard c.has(key), try c.int(key) > 0 else { throw c.fail(key, "a positive integer") }
        }
        try self.init(inputDim: c.int("input_dim"), outputDim: c.int("output_dim"),
                      embeddingsInitializer: c.initializer("embeddings_initializer", default: RandomUniform(minval: -0.05, maxval: 0.05)),
                      embeddingsRegularizer: c.regularizer("embeddings_regularizer"),
                      maskZero: c.bool("mask_zero", default: false), name: c.name ?? "embedding")
    }
}
