/// `keras.Sequential`: a plain stack of layers, each with one input and one output.
///
/// Built from a list or by `add`; the input shape comes from `setInput`, from an `InputLayer`, or from the
/// first layer's Keras input arguments (`input_shape`, `input_dim`, `input_length`, `batch_size`).
/// Layers are built as soon as the input shape is known, as in Keras, so weights and `summary` are
/// available before `compile`.
///
/// Threads (AccessGuard.swift): `predict` calls may run concurrently, and wait for a weight being set on
/// another thread; `add`, `pop`, `compile`, `fit`, `evaluate`, `trainOnBatch` and weight setters need
/// exclusive access and fail with `.busy` when another call is running.
public final class Sequential: @unchecked Sendable {
    public var name: String
    public private(set) var layers: [Layer] = []
    /// The per-sample input shape (Keras's input shape without the batch dimension), once known.
    public private(set) var inputShape: [Int]?
    /// The fixed batch size of the batch input shape, when one was given (`batch_size=32`).
    public private(set) var batchSize: Int?
    /// The name of the InputLayer Keras writes in configs.
    package var inputLayerName = "input_layer"
    /// The model's random generator: initializers, shuffling, dropout.
    var rng: SeededGenerator
    public let seed: UInt64
    /// The Keras generation whose definitions apply where Keras 2 and 3 differ (2 for models read from
    /// Keras 2 configs); 3 otherwise.
    package var kerasMajor = 3
    var compiled: Compiled?
    /// The names of `layers` (uniqueness checks without rebuilding a set per add) and the next auto-number
    /// per base name ("dense" -> 3 after dense_2).
    var layerNames = Set<String>()
    var nextNameSuffix = [String: Int]()
    /// What layers added from now on may still allocate, set by `fromConfig(weightBudget:)` for model files:
    /// bytes for weights and gradients (the load's memory limit), and weight values (what the file stores:
    /// a config declaring more than its file holds cannot load, so it is refused before allocating). nil: none.
    package var weightBudget: (bytes: Int, storedValues: Int)?
    let access = AccessGuard()
    let inferencePool = ExecutorPool()
    var trainingExecutor = Executor(layerCount: 0)
    /// How predict and evaluate run the layers (every layer alone); kept so a call allocates no plan.
    var inferencePlan = Plan.inference([])
    /// The History of the last `fit`.
    public internal(set) var history: History?
    /// Custom metrics registered by name, used by `compile` (ARCHITECTURE §3).
    var customMetrics: [CustomMetric] = []

    public init(seed: UInt64 = 0, name: String = "sequential") {
        self.seed = seed
        self.rng = SeededGenerator(seed: seed)
        self.name = name
    }

    public convenience init(_ layers: [Layer], seed: UInt64 = 0, name: String = "sequential") throws {
        self.init(seed: seed, name: name)
        for l in layers { try add(l) }
    }

    /// Sets the batch input shape: `shape` per sample, optional fixed `batchSize`.
    public func setInput(shape: [Int], batchSize: Int? = nil) throws {
        try access.exclusive("set_input") { try setInputUnlocked(shape: shape, batchSize: batchSize) }
    }

    func setInputUnlocked(shape: [Int], batchSize: Int?) throws {
        guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else {
            throw SeqNNError.invalid("input shape must be one or more positive sizes, found \(shape)")
        }
        guard Tensor.checkedElementCount(shape) != nil else {
            throw SeqNNError.invalid("input shape \(shape) is too large (more than \(Tensor.maxElements) values per sample)")
        }
        if let b = batchSize, b <= 0 { throw SeqNNError.invalid("batch_size must be positive, found \(b)") }
        if let current = inputShape, layers.contains(where: { $0.isBuilt }), current != shape {
            throw SeqNNError.shape("the model is already built for input \(describeShape(current)); cannot change it to \(describeShape(shape))")
        }
        inputShape = shape
        self.batchSize = batchSize
        try buildPending()
    }

    /// Appends a layer (Keras's `model.add`). An `InputLayer` sets the input shape instead of being listed.
    /// On error the model is unchanged.
    public func add(_ layer: Layer) throws {
        try access.exclusive("add") { try addUnlocked(layer) }
    }

    /// Appends layers in order, as `add` would one by one, but checks the mask flow and rebuilds the
    /// inference plan once at the end, so a model file's n layers load in linear time (per-add checks walk
    /// every layer: 20,000 layers took 31 s). On error the model must be discarded (model files only).
    package func addAll(_ list: [Layer]) throws {
        try access.exclusive("add") {
            for l in list { try addUnlocked(l, deferChecks: true) }
            _ = try MaskFlow.checked(layers)
            structureChanged()
        }
    }

    func addUnlocked(_ layer: Layer, deferChecks: Bool = false) throws {
        if layer is InputLayer {
            guard layers.isEmpty else {
                throw SeqNNError.invalid("an InputLayer can only come first; the model already has \(layers.count) layers")
            }
            try applyDeclaredInput(layer.declaredBatchInputShape, from: layer)
            inputLayerName = layer.name
            return
        }
        if layers.isEmpty, inputShape == nil, let b = layer.declaredBatchInputShape {
            try applyDeclaredInput(b, from: layer)
        }
        try uniquifyName(layer)
        if let shape = layers.isEmpty ? inputShape : layers.last?.outputShape {
            try chargeWeightBudget(layer, inputShape: shape)
            _ = try layer.buildChecked(inputShape: shape, rng: &rng)
            if !deferChecks { _ = try MaskFlow.checked(layers + [layer]) }   // a mask reaching a layer that cannot take it
        }
        layers.append(layer)
        layerNames.insert(layer.name)
        if !deferChecks { structureChanged() }
    }

    /// Refuses a layer whose declared weights would pass `weightBudget` (a load's memory limit), before its
    /// build allocates them: a few-KB file can declare `Dense(units=2**31)`. Each weight value costs its value
    /// and its gradient (8 bytes).
    func chargeWeightBudget(_ layer: Layer, inputShape: [Int]) throws {
        guard var limit = weightBudget else { return }
        let declared = layer.declaredWeightCount(inputShape: inputShape)
        let (bytes, overflow) = declared.multipliedReportingOverflow(by: 8)
        for (left, kind, why) in [(limit.bytes, SeqNNError.Kind.outOfMemory, "the load's memory limit leaves"),
                                  (limit.storedValues.multipliedReportingOverflow(by: 8).partialValue, .shapeMismatch, "the file stores for all its layers allows (the file is damaged or hostile)")] {
            guard !overflow, bytes <= left else {
                throw SeqNNError(kind, "\(layer.kerasClassName) '\(layer.name)' declares \(declared) weight values (\(overflow ? "more than \(Int.max)" : String(bytes)) bytes with their gradients), more than \(why) (\(left) bytes)\(kind == .outOfMemory ? "; raise memory_limit only for a file you trust" : "")")
            }
        }
        limit.bytes -= bytes
        limit.storedValues -= declared
        weightBudget = limit
    }

    /// Takes a Keras batch input shape: [batch or nil, dims...]; a batch size alone waits for the shape.
    func applyDeclaredInput(_ b: [Int?]?, from layer: Layer) throws {
        guard let b, !b.isEmpty else { return }
        let dims = Array(b.dropFirst())
        guard !dims.isEmpty else { batchSize = b[0]; return }
        guard dims.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw SeqNNError.invalid("\(layer.kerasClassName) '\(layer.name)': every input dimension must be a known positive size, found \(b.map { $0.map(String.init) ?? "None" })")
        }
        try setInputUnlocked(shape: dims.map { $0! }, batchSize: b[0] ?? batchSize)
    }

    /// The set of names is kept with the layers (not rebuilt per add), so adding n layers is linear: a
    /// 100,000-layer file loads in linear time. Auto-numbering resumes from the last suffix used per base name.
    func uniquifyName(_ layer: Layer) throws {
        guard layerNames.contains(layer.name) else { return }
        guard !layer.nameIsExplicit else {
            throw SeqNNError.invalid("all layers in a Sequential model must have unique names; '\(layer.name)' is already used")
        }
        let base = layer.name
        var k = nextNameSuffix[base] ?? 1
        while layerNames.contains("\(base)_\(k)") { k += 1 }
        nextNameSuffix[base] = k + 1
        layer.name = "\(base)_\(k)"
    }

    /// Removes the last layer (Keras's `model.pop`).
    public func pop() throws {
        try access.exclusive("pop") {
            guard !layers.isEmpty else { throw SeqNNError.invalid("pop: the model has no layers") }
            let removed = layers.removeLast()
            layerNames.remove(removed.name)
            nextNameSuffix = [:]
            structureChanged()
        }
    }

    /// Builds layers that waited for the input shape.
    func buildPending() throws {
        guard var shape = inputShape else { return }
        var built = false
        for l in layers {
            if !l.isBuilt { built = true; try chargeWeightBudget(l, inputShape: shape) }
            shape = l.isBuilt ? l.outputShape! : try l.buildChecked(inputShape: shape, rng: &rng)
        }
        if built {   // layers that waited for the input shape: their masks are checked now
            _ = try MaskFlow.checked(layers)
            inferencePlan = .inference(layers)
        }
    }

    /// Layers changed: compiled state and cached buffers no longer fit (compile again, as after Keras's `pop`).
    func structureChanged() {
        compiled = nil
        inferencePlan = .inference(layers)
        inferencePool.clear()
    }

    /// Throws `.notBuilt`, naming the first layer, when the input shape is unknown.
    func requireBuilt(_ what: String) throws {
        guard !layers.isEmpty else { throw SeqNNError(.notBuilt, "\(what): the model has no layers; add layers first") }
        guard inputShape != nil else {
            let first = layers[0]
            throw SeqNNError(.notBuilt, "\(what): the model's input shape is unknown; give the first layer '\(first.name)' (\(first.kerasClassName)) an input_shape or input_dim, add an InputLayer, or set the input shape")
        }
        try buildPending()
    }

    /// Floats per sample going in and coming out.
    package var inputSize: Int? { inputShape.map { $0.reduce(1, *) } }
    public var outputShape: [Int]? { inputShape == nil ? nil : (layers.last?.outputShape ?? inputShape) }
    package var outputSize: Int? { outputShape.map { $0.reduce(1, *) } }

    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }
    public var trainableParameterCount: Int {
        layers.reduce(0) { acc, l in acc + l.parameters.filter { $0.trainsByDefault && l.trainable }.reduce(0) { $0 + $1.value.count } }
    }
    public var isCompiled: Bool { compiled != nil }

    /// The random generator's state (shuffling, dropout), saved with the model so training resumes exactly.
    package var randomState: [UInt64] {
        get { rng.state }
        set { rng.state = newValue }
    }

    /// Runs `body` with shared access (as `predict` has): safe beside other readers, `.busy` during a mutation.
    package func reading<T>(_ what: String, _ body: () throws -> T) throws -> T { try access.shared(what, body) }

    /// Restores a History saved with the model (kept when unreadable: a history is informational).
    package func restoreHistory(_ json: JSON) {
        history = try? History(json: json)
    }

    /// The weights the optimizer updates, in its slot order (compiled models only).
    package var trainableParameters: [Parameter] { compiled?.trainable ?? [] }

    // MARK: Weights

    /// Weight `weight` of layer `layer`, with errors that name the valid ranges. Read it under `reading`.
    package func parameter(layer: Int, weight: Int) throws -> Parameter {
        guard layer >= 0, layer < layers.count else {
            throw SeqNNError.invalid("layer index \(layer) is out of range: the model has \(layers.count) layers")
        }
        let ps = layers[layer].parameters
        guard weight >= 0, weight < ps.count else {
            throw SeqNNError.invalid("weight index \(weight) is out of range: layer \(layer) '\(layers[layer].name)' has \(ps.count) weights")
        }
        return ps[weight]
    }

    /// Copies one weight out (Keras order per layer: kernel, bias, ...).
    package func weight(layer: Int, index: Int) throws -> Tensor {
        try access.shared("get_weights") { try parameter(layer: layer, weight: index).value.copy() }
    }

    /// Sets one weight from `values` (row-major, Keras shape). Rejects wrong sizes and non-finite values.
    package func setWeight(layer: Int, index: Int, values: UnsafeBufferPointer<Float>) throws {
        // A short section (one scan and one copy, no user code): concurrent predicts wait for it.
        try access.shortExclusive("set_weights") {
            let p = try parameter(layer: layer, weight: index)
            guard values.count == p.value.count else {
                throw SeqNNError.shape("layer \(layer) '\(layers[layer].name)' weight '\(p.name)' has shape \(p.value.shape) (\(p.value.count) values); \(values.count) values were given")
            }
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw SeqNNError(.numeric, "layer \(layer) '\(layers[layer].name)' weight '\(p.name)': value \(values[bad]) at index \(bad) is not finite")
            }
            p.value.data.update(from: values.baseAddress!, count: values.count)
        }
    }

    /// Keras's `model.layers[layer].adapt(x)`: a preprocessing layer (Normalization) learns its statistics
    /// from `x`, whole samples of that layer's input shape (for the first layer, the model's input).
    public func adapt(layer: Int, x: UnsafeBufferPointer<Float>) throws {
        try access.exclusive("adapt") {
            guard layer >= 0, layer < layers.count else {
                throw SeqNNError.invalid("adapt: layer index \(layer) is out of range: the model has \(layers.count) layers")
            }
            let l = layers[layer]
            guard let shape = l.inputShape else { try requireBuilt("adapt"); return }
            let per = max(shape.reduce(1, *), 1)
            guard x.count > 0, x.count % per == 0 else {
                throw SeqNNError.shape("adapt: x has \(x.count) values, not a whole number of samples of layer \(layer) '\(l.name)''s input shape \(describeShape(shape)) (\(per) values each)")
            }
            try l.adapt(x, samples: x.count / per)
        }
    }

    /// Sets several weights in one short section, all or none: every size and value is checked before the
    /// first copy, so a concurrent predict sees either none of them or all (load_weights' promise that a
    /// failed load changes nothing holds beside other threads too).
    package func setWeights(_ list: [(layer: Int, index: Int, values: [Float])]) throws {
        try access.shortExclusive("set_weights") {
            let targets = try list.map { a -> Parameter in
                let p = try parameter(layer: a.layer, weight: a.index)
                guard a.values.count == p.value.count else {
                    throw SeqNNError.shape("layer \(a.layer) '\(layers[a.layer].name)' weight '\(p.name)' has shape \(p.value.shape) (\(p.value.count) values); \(a.values.count) values were given")
                }
                if let bad = a.values.firstIndex(where: { !$0.isFinite }) {
                    throw SeqNNError(.numeric, "layer \(a.layer) '\(layers[a.layer].name)' weight '\(p.name)': value \(a.values[bad]) at index \(bad) is not finite")
                }
                return p
            }
            for (p, a) in zip(targets, list) { p.value.data.update(from: a.values, count: a.values.count) }
        }
    }

    public func setWeight(layer: Int, index: Int, values: [Float]) throws {
        try values.withUnsafeBufferPointer { try setWeight(layer: layer, index: index, values: $0) }
    }
}

extension Layer {
    /// Whether the user chose the name (then a clash is an error) or it is a class default (then it is numbered).
    package var nameIsExplicit: Bool {
        get { explicitName }
        set { explicitName = newValue }
    }
}
