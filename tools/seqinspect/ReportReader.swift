import SeqNN
import SeqNNFile

extension ModelReport {
    /// Reads a model file without running it. Unreadable files and unusable configs throw `.unreadable`.
    /// By default libhdf5 reads the file in SeqNN's reader process (a damaged file cannot crash or hang
    /// seqinspect); `trusted` reads it in this process.
    static func read(_ path: String, trusted: Bool = false) throws -> ModelReport {
        var options = LoadOptions()
        options.trusted = trusted
        let file: ModelFile
        do { file = try ModelFile(path: path, options: options) } catch let e as SeqNNError {
            throw InspectError(.unreadable, e.message)
        }
        return try read(file)
    }

    static func read(_ file: ModelFile) throws -> ModelReport {
        let config: JSON
        do { config = file.layout == .weights ? try weightsOnlyConfig(file) : try file.modelConfig() } catch let e as SeqNNError {
            throw InspectError(.unreadable, e.message)
        }
        do {
            var reader = try ReportReader(file: file, config: config)
            return try reader.read()
        } catch let e as SeqNNError {
            throw InspectError(.unreadable, "'\(file.path)': \(e.message)")
        }
    }
}

/// A Keras 3 `.weights.h5` file stores no architecture: its layers, as far as the file tells (group paths, and
/// the class each path was made from), stand in for a config so every view can list its weights.
func weightsOnlyConfig(_ file: ModelFile) throws -> JSON {
    let layers = try file.weightsOnlyLayers().map { l -> JSON in
        .object([("class_name", .string(l.className ?? "?")), ("config", .object([("name", .string(l.path))]))])
    }
    return .object([("class_name", "Sequential"), ("config", .object([("name", "(weights only)"), ("layers", .array(layers))]))])
}

/// Builds a `ModelReport` from a `ModelFile`: pairs the config's layers with the stored weight groups (by
/// name, the rest by position as Keras pairs them), computes shapes and checks the stored weights against them.
struct ReportReader {
    let file: ModelFile
    let config: JSON
    let modelClass: String
    let body: JSON
    let layerList: [JSON]
    var sequential: Bool { modelClass == "Sequential" }
    var problems = [Problem]()

    init(file: ModelFile, config: JSON) throws {
        self.file = file
        self.config = config
        modelClass = config["class_name"]?.string ?? "?"
        body = config["config"] ?? .null
        guard let list = body.array ?? body["layers"]?.array else {
            throw InspectError(.unreadable, "'\(file.path)': model_config of class '\(modelClass)' has no list of layers")
        }
        layerList = list
    }

    mutating func note(_ message: String, broken: Bool = false) { problems.append(Problem(message: message, broken: broken)) }

    mutating func read() throws -> ModelReport {
        if file.layout == .weights {
            note("a Keras 3 weights file (save_weights): it stores no architecture, so layers are listed in name order with the class their group names, and shapes are not computed")
        }
        if file.format.dialectGuessed {
            note("the file has no keras_version attribute (Keras 2 then treats it as a Keras 1 file)")
        }
        var entries = layerList
        let batchShape = inputDeclaration(&entries)
        if !sequential {
            note("model_config describes a '\(modelClass)' model: layers are listed in config order and output shapes are not computed; SeqNN runs Sequential models only")
        }
        let layers = try readLayers(entries, input: batchShape.map { Array($0.dropFirst()) })
        let training = try readTraining()
        let history = try readHistory()
        return ModelReport(
            file: file, modelClass: modelClass, modelName: body["name"]?.string ?? "sequential",
            batchSize: batchShape?.first ?? nil, inputShape: batchShape.map { Array($0.dropFirst()) }, layers: layers,
            training: training, optimizerState: try file.optimizerStateSummary(), history: history,
            hasTestBatch: file.exists("/seqnn_test_batch/x") && file.exists("/seqnn_test_batch/y"), problems: problems,
            modelConfig: config)
    }

    /// The batch input shape: an InputLayer (taken out of `entries`), the first layer's input arguments, or
    /// Keras 3's `build_input_shape`.
    func inputDeclaration(_ entries: inout [JSON]) -> [Int?]? {
        var batchShape: [Int?]?
        if let first = entries.first, first["class_name"]?.string == "InputLayer" {
            batchShape = Shapes.declaredBatchShape(first["config"] ?? .null, className: "InputLayer")
            entries.removeFirst()
        } else if let first = entries.first {
            batchShape = Shapes.declaredBatchShape(first["config"] ?? .null, className: first["class_name"]?.string ?? "")
        }
        if batchShape == nil, let b = body["build_input_shape"]?.intList, b.count >= 1 { batchShape = b }
        return batchShape
    }

    // MARK: Layers

    /// Which `layer_names` entry each config layer gets.
    struct Pairing {
        var stored: [ModelFile.LayerWeights]
        var groupFor = [Int: Int]()
        var byName = Set<Int>()
        /// Groups with weights not claimed by name, handed out by position.
        var spare = [Int]()

        init(_ stored: [ModelFile.LayerWeights], entries: [JSON]) {
            self.stored = stored
            for (i, e) in entries.enumerated() {
                if let n = e["config"]?["name"]?.string, let g = stored.firstIndex(where: { $0.layerName == n }), !byName.contains(g) {
                    groupFor[i] = g
                    byName.insert(g)
                }
            }
            spare = stored.indices.filter { !byName.contains($0) && !stored[$0].weights.isEmpty }
        }

        var unclaimed: [Int] {
            stored.indices.filter { !byName.contains($0) && !groupFor.values.contains($0) && !stored[$0].weights.isEmpty }
        }
    }

    mutating func readLayers(_ entries: [JSON], input: [Int?]?) throws -> [LayerInfo] {
        var pairing = Pairing(try file.layerWeights(), entries: entries)
        let shapes = LayerShapes(fileSize: file.fileSize, kerasMajor: file.format.kerasMajor)
        let hasWeightGroups = file.hasWeightGroups
        var layers = [LayerInfo](), shape = input, computedOnly = false
        for (index, e) in entries.enumerated() {
            let className = e["class_name"]?.string ?? "?"
            let c = e["config"] ?? .object([])
            let name = c["name"]?.string ?? "layer_\(index)"
            if sequential, className == "InputLayer" {
                note("layer \(index) '\(name)' is an InputLayer that is not first", broken: true)
                continue
            }
            var outcome = file.layout == .weights ? LayerShapes.Outcome(result: Shapes.Result(output: nil, params: nil), seqnnProblem: nil, problem: nil)
                : shapes.infer(className: className, config: c, input: sequential ? shape : nil, name: name)
            if !sequential { outcome.result.output = nil; outcome.seqnnProblem = "not a Sequential model" }
            var layer = LayerInfo(index: layers.count, name: name, className: className, config: c, outputShape: nil,
                                  activation: Shapes.activation(className: className, config: c),
                                  trainable: (body["trainable"]?.bool ?? true) && (c["trainable"]?.bool ?? true), weights: [],
                                  expectedParams: nil, paramsSource: "weights", params: 0, trainableParams: 0,
                                  seqnnProblem: outcome.seqnnProblem)
            let inference = checkOutput(&outcome, layer)
            if pairing.groupFor[index] == nil, (inference.params ?? 1) > 0, !pairing.spare.isEmpty {
                pairing.groupFor[index] = pairing.spare.removeFirst()
            }
            if let g = pairing.groupFor[index] { attachWeights(pairing.stored[g], to: &layer) }
            if countParams(&layer, inference, paired: pairing.groupFor[index] != nil, hasWeightGroups: hasWeightGroups) {
                computedOnly = true
            }
            layer.outputShape = inference.output
            layer.expectedParams = inference.params
            layers.append(layer)
            shape = inference.output
        }
        if computedOnly && !hasWeightGroups {
            note("the file has no model_weights group (Keras's load_model fails with KeyError 'model_weights'); parameter counts are computed from the config", broken: true)
        }
        for g in pairing.unclaimed {
            note("model_weights holds weights for '\(pairing.stored[g].layerName)', which matches no layer of the config", broken: true)
        }
        return layers
    }

    /// Notes an invalid config, an empty output or a size over seqinspect's budget; returns what is usable.
    mutating func checkOutput(_ outcome: inout LayerShapes.Outcome, _ l: LayerInfo) -> Shapes.Result {
        if let message = outcome.problem { note(message, broken: true) }
        if let bad = outcome.result.invalid {
            note("layer '\(l.name)' (\(l.className)): invalid config: \(bad)", broken: true)
            return Shapes.Result(output: nil, params: nil)
        }
        if let o = outcome.result.output, o.contains(where: { ($0 ?? 1) <= 0 }) {
            note("layer '\(l.name)' (\(l.className)): the config gives an empty or negative output shape \(Shapes.describe(batch: nil, o))", broken: true)
        }
        return outcome.result
    }

    /// The stored datasets of the layer's group, with Keras's trainability for each.
    mutating func attachWeights(_ group: ModelFile.LayerWeights, to l: inout LayerInfo) {
        if !group.groupExists { note("layer_names lists '\(group.layerName)' but /model_weights/\(group.layerName) is missing", broken: true) }
        for m in group.missing { note("layer '\(l.name)': weight_names lists '\(m)' but the dataset is missing", broken: true) }
        let (trainable, className, name) = (l.trainable, l.className, l.name)
        l.weights = group.weights.map { d in
            WeightInfo(dataset: d, layer: name, trainable: trainable && !Shapes.isNonTrainableWeight(d.name, className: className))
        }
    }

    /// Fills the layer's counts: from its stored weights (checked against what the config implies), else
    /// from the config. Returns true when the count is computed for a layer whose weights should be stored.
    mutating func countParams(_ l: inout LayerInfo, _ inference: Shapes.Result, paired: Bool, hasWeightGroups: Bool) -> Bool {
        if paired, !l.weights.isEmpty || inference.params != nil || hasWeightGroups {
            // The file is the truth: Keras writes every weight of a layer it lists in layer_names.
            l.params = l.weights.reduce(0) { $0 + $1.dataset.count }
            l.trainableParams = l.weights.filter(\.trainable).reduce(0) { $0 + $1.dataset.count }
            checkStoredShapes(l, inference)
            return false
        }
        guard let expected = inference.params else {
            l.paramsSource = "unknown"
            return false
        }
        l.params = expected
        l.paramsSource = expected == 0 ? "none" : "config"
        guard expected > 0 else { return false }
        let frozen = inference.nonTrainable ?? Shapes.nonTrainableShare(className: l.className, config: l.config, params: expected)
        l.trainableParams = l.trainable ? expected - frozen : 0
        if hasWeightGroups { note("layer '\(l.name)' (\(l.className)): the file stores no weights for it; its config implies \(expected)", broken: true) }
        return true
    }

    /// What Keras's loader checks: the stored weights have the shapes (else the count) the config implies.
    mutating func checkStoredShapes(_ l: LayerInfo, _ inference: Shapes.Result) {
        let stored = l.weights.map(\.dataset.shape)
        let prefix = "layer '\(l.name)' (\(l.className))"
        if let shapes = inference.weightShapes {
            if stored.count != shapes.count {
                note("\(prefix): \(stored.count) weight\(stored.count == 1 ? " is" : "s are") stored, the config implies \(shapes.count): \(shapes.map(Shapes.describe).joined(separator: ", "))", broken: true)
                return
            }
            for (k, (a, b)) in zip(stored, shapes).enumerated() where a != b {
                note("\(prefix): weight \(k) '\(l.weights[k].dataset.name)' is stored as \(Shapes.describe(a)); the config implies \(Shapes.describe(b))", broken: true)
            }
        } else if let expected = inference.params, expected != l.params {
            note("\(prefix): the stored weights hold \(l.params) values, the config implies \(expected)"
                 + (l.weights.isEmpty ? "" : " (\(stored.map(Shapes.describe).joined(separator: ", ")))"), broken: true)
        }
    }

    // MARK: Training config and history

    mutating func readTraining() throws -> TrainingInfo? {
        guard let text = try file.trainingConfigText() else { return nil }
        do { return TrainingInfo(try JSON.parse(text)) } catch {
            note("training_config is not valid JSON: \(LayerShapes.reason(error))", broken: true)
            return nil
        }
    }

    mutating func readHistory() throws -> HistoryInfo? {
        guard let text = try file.historyText() else { return nil }
        guard let j = try? JSON.parse(text), let h = try? History(json: j) else {
            note("seqnn_history is not a readable history")
            return nil
        }
        return HistoryInfo(epochs: h.epochs, series: zip(h.keys, h.values).map { ($0, $1) })
    }
}
