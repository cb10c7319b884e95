/// One weight tensor of a layer with its gradient: Keras's `kernel`, `bias`, ...
package final class Parameter: @unchecked Sendable {
    /// The Keras weight name without layer prefix or `:0` ("kernel", "bias").
    package let name: String
    package let value: Tensor
    /// dLoss/dValue, accumulated by `backward` and zeroed by the trainer before each batch.
    package let grad: Tensor
    /// Whether the optimizer updates it now: `trainsByDefault` and its layer's `trainable`, set by compile.
    package var trainable: Bool
    /// Whether the weight is a trainable variable at all (false for BatchNormalization's moving statistics,
    /// which Keras lists after the trainable weights and updates in the forward pass instead).
    package let trainsByDefault: Bool
    package var regularizer: Regularizer?
    /// Stored as an int64 scalar in model files, as Keras stores it (Normalization's `count`).
    package var storedAsInteger = false
    /// Set by a layer whose backward pass writes this whole gradient with its first product (Dense's dW
    /// GEMM with beta = 0): the trainer then marks the gradient stale instead of zeroing it before each
    /// batch (the memset was 2 % of a wide MLP's step).
    var overwritesGrad = false
    /// "Treat `grad` as zero": set by the trainer when `overwritesGrad`, cleared by the layer's first write.
    var gradIsStale = false

    package init(name: String, shape: [Int], trainable: Bool = true, regularizer: Regularizer? = nil) {
        self.name = name
        self.value = Tensor(shape: shape)
        self.grad = Tensor(shape: trainable ? shape : [0])
        self.trainable = trainable
        self.trainsByDefault = trainable
        self.regularizer = regularizer
    }
}

/// A layer's names for its further per-pass buffers: an Int-backed enum with one case per buffer
/// (`enum Buffer: Int, BufferName { case columns, columnGrads }`), so buffers are named where they are used
/// and no layer needs to know another's numbering.
package protocol BufferName: RawRepresentable where RawValue == Int {}

/// The buffers one layer needs for one pass at one batch size. A model keeps one set per execution
/// context (training, or each concurrent predict call), so layers themselves hold no per-call state.
package final class LayerState: @unchecked Sendable {
    package let output = Tensor(shape: [0])
    package let gradInput = Tensor(shape: [0])
    /// Layer-specific saved values (Dense's pre-activation, Dropout's mask).
    package let aux = Tensor(shape: [0])
    /// The Keras mask this layer's output carries when the layer makes one (`MaskOutput.produces`):
    /// [batch] + the mask shape, 1 for a step to use and 0 for a masked one (Keras's True/False).
    package let mask = Tensor(shape: [0])
    /// The mask reaching this layer's input in the current pass (the `mask` of the state that made it),
    /// or nil. Set by the `Executor` from the plan before each forward; a layer that reads masks reads it here.
    package var inputMask: Tensor?
    /// Further per-pass buffers a layer needs (im2col columns, recurrent gates, ...), made on first use.
    private var extra: [Tensor] = []
    /// The states of a wrapper's inner layers (Bidirectional's two directions), made on first use.
    private var children: [LayerState] = []
    package init() {}

    /// The buffer `name` of this state, created empty on first use and then reused (resize it as needed):
    /// the steady state allocates nothing.
    @inline(__always) package func buffer<N: BufferName>(_ name: N) -> Tensor {
        let i = name.rawValue
        while extra.count <= i { extra.append(Tensor(shape: [0])) }
        return extra[i]
    }

    /// The state of inner layer `i` of a wrapper: its own buffers, independent of the wrapper's.
    package func child(_ i: Int) -> LayerState {
        while children.count <= i { children.append(LayerState()) }
        return children[i]
    }

    private var packed: [PackedB] = []
    /// Packed GEMM operand `i` (a weight matrix reused by several products in one pass), made on first use.
    /// The layer invalidates it whenever the weights may have changed.
    package func packedB(_ i: Int) -> PackedB {
        while packed.count <= i { packed.append(PackedB()) }
        return packed[i]
    }

    /// Drops every packed copy (the weights may have changed since they were made), inner layers' too.
    package func invalidatePacked() {
        for p in packed { p.invalidate() }
        for c in children { c.invalidatePacked() }
    }
}

/// The base of every Keras layer: name, trainability, the shapes it was built for, and the
/// forward/backward pair over flat buffers. Subclasses override `build`, `forward`, `backward`,
/// `parameters` and `layerConfig`; they keep no per-call state outside `LayerState`.
public class Layer: @unchecked Sendable {
    /// Keras's `class_name` ("Dense", "Activation", ...).
    package class var kerasClassName: String { fatalError("subclass must override kerasClassName") }
    public var kerasClassName: String { Swift.type(of: self).kerasClassName }

    public var name: String
    public var trainable: Bool = true
    /// The per-sample input shape (no batch dimension) the layer was built for, nil until built.
    public internal(set) var inputShape: [Int]?
    /// The per-sample output shape, nil until built.
    public internal(set) var outputShape: [Int]?
    /// A batch input shape given on this layer in Keras's style (`input_shape`, `input_dim`,
    /// `batch_input_shape`, `batch_size`); the model takes it as its own input when this layer is first.
    package var declaredBatchInputShape: [Int?]?
    var explicitName = false

    package init(name: String) { self.name = name }

    public var isBuilt: Bool { outputShape != nil }

    /// Creates the weights for `inputShape` and returns the per-sample output shape.
    /// Called once; `rng` draws the initial weights.
    package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] { inputShape }

    /// Keras's weights of this layer in Keras order: trainable first, then non-trainable.
    package var parameters: [Parameter] { [] }

    /// Where Keras 3's own files (`.keras`, `.weights.h5`; format §13) keep each of `parameters`: the group of
    /// the object that owns it, relative to the layer's path: "vars" for the layer's own variables, or a
    /// sub-object's ("cell/vars" for a recurrent layer, "forward_layer/cell/vars" in a Bidirectional).
    package var kerasVariableGroups: [String] { parameters.map { _ in "vars" } }

    /// An upper bound on the weight values `build(inputShape:)` will allocate, from the declared sizes alone,
    /// so a caller can refuse a hostile config (`Dense(units=2**31)` in a tiny file) before building it.
    /// Saturates at Int.max (`Size`). Every layer with weights overrides it (a test builds each registry
    /// class against its bound); the default is for weightless layers.
    package func declaredWeightCount(inputShape: [Int]) -> Int { 0 }

    /// Computes `state.output` from `x` ([batch] + inputShape).
    package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        state.output.copy(from: x)
    }

    /// Given dLoss/dOutput, accumulates parameter gradients and, when `needInputGrad`,
    /// writes dLoss/dInput into `state.gradInput`. `x` and `state` are those of the matching forward.
    package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        if needInputGrad { state.gradInput.copy(from: dy) }
    }

    // MARK: What the fusion pass asks (Model/Plan.swift). The defaults fuse nothing.

    /// Whether predict may hand this layer, as a model's first, a view of the caller's rows instead of a
    /// copy: the layer only reads its input during the call.
    package var readsInputInPlace: Bool { false }

    /// Whether this layer and `next`, the layer after it, can run as one pass (`forwardFused`) when this
    /// layer needs no input gradient.
    package func fuses(with next: Layer) -> Bool { false }

    /// This layer's forward and `next`'s as one pass; the result is `nextState.output`. The values equal
    /// those of the two forwards (the default runs exactly those).
    package func forwardFused(with next: Layer, _ x: Tensor, _ state: LayerState, _ nextState: LayerState,
                           training: Bool, rng: inout SeededGenerator) {
        forward(x, state, training: training, rng: &rng)
        next.forward(state.output, nextState, training: training, rng: &rng)
    }

    /// The backward of `forwardFused` given dLoss/d(next's output): both layers' weight gradients, no input
    /// gradient for this layer.
    package func backwardFused(with next: Layer, _ x: Tensor, _ dy: Tensor, _ state: LayerState, _ nextState: LayerState) {
        next.backward(state.output, dy, nextState, needInputGrad: true)
        backward(x, nextState.gradInput, state, needInputGrad: false)
    }

    /// Whether this layer, as the model's last, keeps the values it applied `activation` ("softmax",
    /// "sigmoid") to, so a crossentropy can read those logits as Keras's backend does (`LogitsAwareLoss`).
    package func exposesLogits(for activation: String) -> Bool { false }

    /// The logits of the last forward pass (asked only when `exposesLogits`).
    package func logits(_ x: Tensor, _ state: LayerState) -> Tensor { state.output }

    /// The backward pass given dLoss/dLogits instead of dLoss/dOutput; returns dLoss/dInput (meaningful
    /// when `needInputGrad`).
    package func backwardFromLogits(_ x: Tensor, _ dz: Tensor, _ state: LayerState, needInputGrad: Bool) -> Tensor {
        backward(x, dz, state, needInputGrad: needInputGrad)
        return state.gradInput
    }

    // MARK: Masks (Keras's `supports_masking`, `compute_mask` and `call(..., mask=)`), asked by the plan

    /// Given the per-sample shape of the mask reaching this built layer (nil: none), what its output
    /// carries. Throws, naming the layer, when the layer cannot do what Keras does with that mask. The
    /// default is Keras 3's for a layer without `supports_masking` (Flatten, Conv1D, GlobalMaxPooling1D...):
    /// the mask is dropped (Keras 3 warns "will therefore destroy the mask information"; tf_keras drops it
    /// silently: its Layer calls `compute_mask` only when `supports_masking`).
    package func maskOutput(inputMask: [Int]?) throws -> MaskOutput { .drops }

    /// Keras's `layer.adapt(data)` for preprocessing layers that learn state from data before training
    /// (Normalization): `x` holds `samples` samples of this layer's built input shape. Layers without such
    /// state refuse it.
    package func adapt(_ x: UnsafeBufferPointer<Float>, samples: Int) throws {
        throw SeqNNError(.unsupported, "\(kerasClassName) '\(name)' has no state to adapt; only preprocessing layers such as Normalization do")
    }

    /// For a model's first layer: why raw input values cannot be this layer's input (an Embedding's ids
    /// outside [0, input_dim)), or nil. Checked over the whole data before the first batch runs.
    package func invalidInputMessage(_ x: UnsafePointer<Float>, count: Int) -> String? { nil }

    /// The layer-specific part of Keras's `get_config()` (name, trainable and dtype are added by `config`).
    package func layerConfig() -> [(String, JSON)] { [] }

    /// Keras's `get_config()` for this layer, in the form Keras 2 and 3 both read (format §10): dtype as the
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

/// What a layer's output carries as its Keras mask (`Layer.maskOutput`).
package enum MaskOutput: Equatable, Sendable {
    /// The layer reads the mask and its output carries none (an RNN without return_sequences,
    /// GlobalAveragePooling1D). Also the answer when no mask reaches it.
    case consumes
    /// The layer never sees the mask and its output carries none (Keras's layers without `supports_masking`).
    case drops
    /// The input's mask, unchanged (Keras's default `compute_mask` for a layer with `supports_masking`).
    case passes
    /// A mask of this per-sample shape that the layer writes into `LayerState.mask` (Masking, Embedding
    /// with mask_zero).
    case produces([Int])

    /// For layers that only pass a mask along (Keras: `supports_masking = True`, default `compute_mask`).
    static func passing(_ inputMask: [Int]?) -> MaskOutput { inputMask == nil ? .consumes : .passes }
}

/// Shapes for messages: `(None, 784)` as Keras prints them.
func describeShape(_ s: [Int], batch: Int? = nil) -> String {
    let dims = [batch.map(String.init) ?? "None"] + s.map(String.init)
    return "(" + dims.joined(separator: ", ") + (dims.count == 1 ? ",)" : ")")
}

/// Size arithmetic that saturates at Int.max instead of trapping, for sizes read from untrusted configs.
package enum Size {
    package static func sum(_ a: Int, _ b: Int) -> Int {
        let (s, overflow) = max(a, 0).addingReportingOverflow(max(b, 0))
        return overflow ? Int.max : s
    }

    package static func product(_ a: Int, _ b: Int) -> Int {
        let (p, overflow) = max(a, 0).multipliedReportingOverflow(by: max(b, 0))
        return overflow ? Int.max : p
    }

    package static func product(_ sizes: [Int]) -> Int { sizes.reduce(1, product) }
}
