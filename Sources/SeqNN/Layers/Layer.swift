/// One weight tensor of a layer with its gradient: Keras's `kernel`, `bias`, ...
public final class Parameter: @unchecked Sendable {
    /// The Keras weight name without layer prefix or `:0` ("kernel", "bias").
    public let name: String
    public let value: Tensor
    /// dLoss/dValue, accumulated by `backward` and zeroed by the trainer before each batch.
    public let grad: Tensor
    /// Whether the optimizer updates it now: `trainsByDefault` and its layer's `trainable`, set by compile.
    public var trainable: Bool
    /// Whether the weight is a trainable variable at all (false for BatchNormalization's moving statistics,
    /// which Keras lists after the trainable weights and updates in the forward pass instead).
    public let trainsByDefault: Bool
    public var regularizer: Regularizer?
    /// Set by a layer whose backward pass writes this whole gradient with its first product (Dense's dW
    /// GEMM with beta = 0): the trainer then marks the gradient stale instead of zeroing it before each
    /// batch (the memset was 2 % of a wide MLP's step).
    var overwritesGrad = false
    /// "Treat `grad` as zero": set by the trainer when `overwritesGrad`, cleared by the layer's first write.
    var gradIsStale = false

    public init(name: String, shape: [Int], trainable: Bool = true, regularizer: Regularizer? = nil) {
        self.name = name
        self.value = Tensor(shape: shape)
        self.grad = Tensor(shape: trainable ? shape : [0])
        self.trainable = trainable
        self.trainsByDefault = trainable
        self.regularizer = regularizer
    }
}

/// The buffers one layer needs for one pass at one batch size. A model keeps one set per execution
/// context (training, or each concurrent predict call), so layers themselves hold no per-call state.
public final class LayerState: @unchecked Sendable {
    public let output = Tensor(shape: [0])
    public let gradInput = Tensor(shape: [0])
    /// Layer-specific saved values (Dense's pre-activation, Dropout's mask).
    public let aux = Tensor(shape: [0])
    /// Further per-pass buffers a layer needs (im2col columns, recurrent gates, ...), made on first use.
    private var extra: [Tensor] = []
    public init() {}

    /// Scratch buffer `i` of this state, created empty on first use and then reused (resize it as needed).
    public func scratch(_ i: Int) -> Tensor {
        while extra.count <= i { extra.append(Tensor(shape: [0])) }
        return extra[i]
    }

    private var packed: [PackedB] = []
    /// Packed GEMM operand `i` (a weight matrix reused by several products in one pass), made on first use.
    /// The layer invalidates it whenever the weights may have changed.
    public func packedB(_ i: Int) -> PackedB {
        while packed.count <= i { packed.append(PackedB()) }
        return packed[i]
    }

    /// Drops every packed copy (the weights may have changed since they were made).
    public func invalidatePacked() { for p in packed { p.invalidate() } }
}

/// The base of every Keras layer: name, trainability, the shapes it was built for, and the
/// forward/backward pair over flat buffers. Subclasses override `build`, `forward`, `backward`,
/// `parameters` and `layerConfig`; they keep no per-call state outside `LayerState`.
open class Layer: @unchecked Sendable {
    /// Keras's `class_name` ("Dense", "Activation", ...).
    open class var kerasClassName: String { fatalError("subclass must override kerasClassName") }
    public var kerasClassName: String { Swift.type(of: self).kerasClassName }

    public var name: String
    public var trainable: Bool = true
    /// The per-sample input shape (no batch dimension) the layer was built for, nil until built.
    public internal(set) var inputShape: [Int]?
    /// The per-sample output shape, nil until built.
    public internal(set) var outputShape: [Int]?
    /// A batch input shape given on this layer in Keras's style (`input_shape`, `input_dim`,
    /// `batch_input_shape`, `batch_size`); the model takes it as its own input when this layer is first.
    public var declaredBatchInputShape: [Int?]?
    var explicitName = false

    public init(name: String) { self.name = name }

    public var isBuilt: Bool { outputShape != nil }

    /// Creates the weights for `inputShape` and returns the per-sample output shape.
    /// Called once; `rng` draws the initial weights.
    open func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] { inputShape }

    /// Keras's weights of this layer in Keras order: trainable first, then non-trainable.
    open var parameters: [Parameter] { [] }

    /// Computes `state.output` from `x` ([batch] + inputShape).
    open func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        state.output.copy(from: x)
    }

    /// Given dLoss/dOutput, accumulates parameter gradients and, when `needInputGrad`,
    /// writes dLoss/dInput into `state.gradInput`. `x` and `state` are those of the matching forward.
    open func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        if needInputGrad { state.gradInput.copy(from: dy) }
    }

    /// The layer-specific part of Keras's `get_config()` (name, trainable and dtype are added by `config`).
    open func layerConfig() -> [(String, JSON)] { [] }

    /// Keras's `get_config()` for this layer, in the form Keras 2 and 3 both read (spec §10): dtype as the
    /// string "float32" whatever dialect the layer was read from.
    public func config() -> JSON {
        var pairs: [(String, JSON)] = [("name", .string(name)), ("trainable", .bool(trainable)), ("dtype", "float32")]
        if let b = declaredBatchInputShape {
            pairs.append(("batch_input_shape", .array(b.map { $0.map { JSON.number(Double($0)) } ?? .null })))
        }
        pairs.append(contentsOf: layerConfig())
        return .object(pairs)
    }

    /// The number of weights (Keras's "Param #").
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Builds with an error that names the layer when the shapes do not fit.
    func buildChecked(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        guard Tensor.checkedElementCount(inputShape) != nil else {
            throw SeqNNError(.invalidArgument, "\(kerasClassName) '\(name)': input shape \(describeShape(inputShape)) is too large (more than \(Tensor.maxElements) values per sample)")
        }
        let out = try build(inputShape: inputShape, rng: &rng)
        guard Tensor.checkedElementCount(out) != nil else {
            throw SeqNNError(.invalidArgument, "\(kerasClassName) '\(name)': output shape \(describeShape(out)) is too large")
        }
        self.inputShape = inputShape
        self.outputShape = out
        return out
    }
}

/// Shapes for messages: `(None, 784)` as Keras prints them.
func describeShape(_ s: [Int], batch: Int? = nil) -> String {
    let dims = [batch.map(String.init) ?? "None"] + s.map(String.init)
    return "(" + dims.joined(separator: ", ") + (dims.count == 1 ? ",)" : ")")
}
