import SeqNN

/// Builds a `Sequential` from a model file's parts (`ModelFile`): architecture, weights, compile state,
/// optimizer state, history and generator state. This is `seqnn_model_load`'s path.
package enum ModelReader {
    /// Loads a whole model. A compiled file comes back compiled with its optimizer state; an uncompiled file
    /// (or one saved without the optimizer) comes back uncompiled. The file is only read.
    package static func load(_ path: String, seed: UInt64 = 0, options: LoadOptions = LoadOptions()) throws -> Sequential {
        let file = try ModelFile(path: path, options: options)
        return try file.loadModel(seed: seed, memoryLimit: options.memoryLimit)
    }

    /// Reads weights from a model file (or a Keras weights-only file) into an existing built model.
    /// Every array is read and checked first; the model changes only if all of them fit.
    package static func loadWeights(_ path: String, into model: Sequential, options: LoadOptions = LoadOptions()) throws {
        try ModelFile(path: path, options: options).loadWeights(into: model)
    }

    /// `{"class_name": "Sequential", "config": ...}` in either dialect.
    static func sequential(fromModelConfig json: JSON, kerasMajor: Int, seed: UInt64, weightBudget: (bytes: Int, storedValues: Int)? = nil) throws -> Sequential {
        let cls = json["class_name"]?.string ?? "?"
        guard cls == "Sequential" else {
            throw SeqNNError(.unsupported, "model_config describes a '\(cls)' model; SeqNN loads Sequential models only")
        }
        guard let config = json["config"] else { throw SeqNNError(.format, "model_config has no config") }
        return try Sequential.fromConfig(config, kerasMajor: kerasMajor, seed: seed, weightBudget: weightBudget)
    }

    /// Keras's positional matching (format §4.4): layers with weights, in model order, against the entries of
    /// `layer_names` whose `weight_names` is non-empty, in attribute order. Names are labels only.
    static func readWeights(into model: Sequential, from file: ModelFile, stored layers: [ModelFile.LayerWeights]) throws {
        var saved = [(name: String, arrays: [(path: String, shape: [Int], values: [Float])])]()
        for stored in layers {
            guard stored.groupExists else { throw SeqNNError(.format, "layer_names lists '\(stored.layerName)' but its weight group is missing") }
            if let m = stored.missing.first { throw SeqNNError(.format, "weight_names of '\(stored.layerName)' lists \(m), but the dataset is missing") }
            if stored.weights.isEmpty { continue }
            saved.append((stored.layerName, try stored.weights.map { ($0.path, $0.shape, try file.floats($0)) }))
        }
        let targets = model.layers.enumerated().filter { !$0.element.parameters.isEmpty }
        guard targets.count == saved.count else {
            throw SeqNNError(.shapeMismatch, "layer count mismatch when loading weights: the model has \(targets.count) layers with weights (\(targets.map { $0.element.name }.joined(separator: ", "))), the file has \(saved.count) (\(saved.map(\.name).joined(separator: ", ")))")
        }
        var assignments = [(layer: Int, index: Int, values: [Float])]()
        for ((li, layer), s) in zip(targets, saved) {
            let params = layer.parameters
            guard params.count == s.arrays.count else {
                throw SeqNNError(.shapeMismatch, "weight count mismatch for layer #\(li) (named \(layer.name) in the model, \(s.name) in the file): the layer expects \(params.count) weight(s), the file has \(s.arrays.count)")
            }
            for (wi, (p, a)) in zip(params, s.arrays).enumerated() {
                guard p.value.shape == a.shape else {
                    throw SeqNNError(.shapeMismatch, "shape mismatch in layer #\(li) (named \(layer.name)) for weight \(a.path): the model expects \(p.value.shape), the file has \(a.shape)")
                }
                if let bad = a.values.firstIndex(where: { !$0.isFinite }) {
                    throw SeqNNError(.numeric, "weight \(a.path) of layer #\(li) (\(layer.name)) holds \(a.values[bad]) at index \(bad); weights must be finite")
                }
                assignments.append((li, wi, a.values))
            }
        }
        try model.setWeights(assignments)   // all at once: a concurrent predict never sees half a file
    }

    /// Compiles from `training_config` in either dialect (format §7). Metrics the library does not know are kept
    /// by name as custom metrics to be registered (Keras asks for `custom_objects` in the same situation).
    static func compile(_ model: Sequential, trainingConfig text: String) throws {
        let json: JSON
        do { json = try JSON.parse(text) } catch let e as SeqNNError { throw SeqNNError(.format, "training_config is not valid JSON: \(e.message)") }
        guard let opt = json["optimizer_config"], !opt.isNull else { return }   // Keras also loads such files uncompiled
        guard let loss = json["loss"], !loss.isNull else { return }
        let lossSpec: JSON
        if let list = loss.array {
            guard list.count == 1 else { throw SeqNNError(.unsupported, "training_config has \(list.count) losses; a Sequential model has one output") }
            lossSpec = list[0]
        } else if let obj = loss.object, obj.count == 1, loss["class_name"] == nil {
            lossSpec = obj[0].1   // {"output_name": loss}
        } else { lossSpec = loss }
        try model.compile(optimizer: opt, loss: lossSpec, metrics: metricSpecs(json["metrics"]), allowUnregisteredMetrics: true)
    }

    /// Flattens Keras 2's per-output metric lists and turns its MeanMetricWrapper objects into names.
    static func metricSpecs(_ j: JSON?) -> [JSON] {
        guard let j, let list = j.array else { return [] }
        var out = [JSON]()
        for item in list {
            if let inner = item.array { out += metricSpecs(.array(inner)); continue }
            out.append(item)
        }
        return out
    }
}

extension ModelFile {
    /// The whole model, as `ModelReader.load` returns it.
    /// `memoryLimit` bounds what the model's weights may allocate beyond the arrays already read (the file's
    /// declared layer sizes are checked before any layer is built).
    package func loadModel(seed: UInt64 = 0, memoryLimit: Int = LoadOptions.defaultMemoryLimit) throws -> Sequential {
        let model = try loadArchitectureAndWeights(seed: seed, memoryLimit: memoryLimit)
        if let t = try trainingConfigText() {
            try ModelReader.compile(model, trainingConfig: t)
            if layout == .legacy { try OptimizerState.read(into: model, from: root) } else { try OptimizerState.readKeras3(into: model, from: self) }
        }
        if let h = try historyText() { model.restoreHistory(try JSON.parse(h)) }
        // SeqNN's generator state (shuffling, dropout) makes a resumed fit continue exactly; `seed` is for other files.
        if let words = try randomState() { model.randomState = words }
        return model
    }

    /// The architecture and weights only (uncompiled): what a forward pass needs.
    package func loadArchitectureAndWeights(seed: UInt64 = 0, memoryLimit: Int = LoadOptions.defaultMemoryLimit) throws -> Sequential {
        try verifyChecksums()
        let config = try modelConfig()
        let stored = layout == .legacy ? try layerWeights(in: root.group("model_weights")) : try layerWeights()
        // Declared sizes are checked against the memory limit and against what the file stores before any
        // layer allocates: a tiny file cannot declare Dense(units=2**31).
        // `declaredWeightCount` is an upper bound (a Dense without bias still counts one), hence the slack.
        let storedValues = stored.reduce(0) { $0 + $1.weights.reduce(0) { $0 + $1.count } }
        let model = try ModelReader.sequential(fromModelConfig: config, kerasMajor: format.kerasMajor, seed: seed,
                                               weightBudget: (max(0, memoryLimit - tree.payloadBytes), 2 * storedValues + (1 << 16)))
        try ModelReader.readWeights(into: model, from: self, stored: stored)
        return model
    }

    /// Reads the weights (of a model file, or of a Keras 2 or 3 weights-only file) into an existing built model.
    /// Keras 3's layout keys layers by class, so the model's own layer classes find them.
    package func loadWeights(into model: Sequential) throws {
        try verifyChecksums()
        let stored: [LayerWeights]
        switch layout {
        case .legacy: stored = try layerWeights(in: root.has("model_weights") ? root.group("model_weights") : root)
        case .archive, .weights:
            stored = try layerWeightsV3(classNames: model.layers.map(\.kerasClassName), layerNames: model.layers.map(\.name))
        }
        try ModelReader.readWeights(into: model, from: self, stored: stored)
    }
}
