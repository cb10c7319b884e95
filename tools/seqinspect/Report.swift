import SeqNN
import SeqNNFile

/// Why seqinspect stops: the exit status it maps to (README, "Exit status").
struct InspectError: Error, CustomStringConvertible {
    enum Kind { case usage, unreadable, broken }
    var kind: Kind
    var message: String
    init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }
    var description: String { message }
    var exitCode: Int32 { kind == .broken ? 1 : 2 }
}

/// The format generation a file was written in.
enum Dialect: String {
    case keras2, keras3, seqnn, unknown
    var label: String {
        switch self {
        case .keras2: return "Keras 2"
        case .keras3: return "Keras 3"
        case .seqnn: return "SeqNN"
        case .unknown: return "unknown"
        }
    }
}

/// One weight dataset as the model sees it.
struct WeightInfo {
    var dataset: ModelFileInspector.Dataset
    var layer: String
    var trainable: Bool
}

/// One layer of the model (the InputLayer is not listed, as in Keras's summary).
struct LayerInfo {
    var index: Int
    var name: String
    var className: String
    var config: JSON
    /// Per-sample output shape (no batch axis); nil entries are Keras's `None`; nil = could not be computed.
    var outputShape: [Int?]?
    var activation: String?
    var trainable: Bool
    var weights: [WeightInfo]
    /// The parameter count the config implies for the input it gets, when seqinspect knows the class.
    var expectedParams: Int?
    /// "weights" (counted from the stored datasets), "config" (none stored: computed from the config),
    /// "none" (a layer without weights) or "unknown" (no weights stored and a class seqinspect does not know).
    var paramsSource: String
    var params: Int
    var trainableParams: Int
    var nonTrainableParams: Int { params - trainableParams }
    /// nil when SeqNN can build this layer, else why not.
    var seqnnProblem: String?
    var seqnnCanRun: Bool { seqnnProblem == nil }
}

struct TrainingInfo {
    var raw: JSON
    var optimizerClass: String?
    var optimizerConfig: [(String, JSON)]
    var loss: String?
    var metrics: [String]
    var weightedMetrics: [String]
    var lossWeights: JSON?
}

/// Something odd about the file. `broken` problems mean Keras's own loader would fail or compute wrong
/// results (weights that do not fit the config); they make `--verify` fail.
struct Problem {
    var message: String
    var broken: Bool
}

struct OptimizerStateInfo {
    /// "keras2", "keras3" (the `optimizer_weights` group), "seqnn" (`seqnn_optimizer_state`), or
    /// "seqnn+keras2" when SeqNN wrote both.
    var layout: String
    var tensors: Int
    var values: Int
    var iterations: Int?
}

struct HistoryInfo {
    var epochs: [Int]
    var series: [(key: String, values: [Double])]
}

/// Everything seqinspect shows about one file, read without running the model.
struct ModelReport {
    var path: String
    var fileSize: Int
    var dialect: Dialect
    /// True when the file has no keras_version and the dialect was guessed from the config.
    var dialectGuessed: Bool
    var kerasVersion: String?
    var backend: String?
    var seqnnVersion: String?
    var seqnnFormatVersion: String?
    var seqnnSemantics: String?
    var modelClass: String
    var modelName: String
    var batchSize: Int?
    var inputShape: [Int?]?
    var layers: [LayerInfo]
    var training: TrainingInfo?
    var optimizerState: OptimizerStateInfo?
    var history: HistoryInfo?
    var hasTestBatch: Bool
    /// Inconsistencies between the config and the stored weights, and other oddities.
    var problems: [Problem]
    /// `model_config` as parsed, and the generation whose definitions SeqNN applies to it.
    var modelConfig: JSON
    var kerasMajor: Int
    var inspector: ModelFileInspector

    var totalParams: Int { layers.reduce(0) { $0 + $1.params } }
    var trainableParams: Int { layers.reduce(0) { $0 + $1.trainableParams } }
    var nonTrainableParams: Int { totalParams - trainableParams }
    var outputShape: [Int?]? { layers.isEmpty ? inputShape : layers.last?.outputShape }
    var unsupportedLayers: [LayerInfo] { layers.filter { !$0.seqnnCanRun } }
    var seqnnCanRun: Bool { modelClass == "Sequential" && unsupportedLayers.isEmpty && !layers.isEmpty }
    var allWeights: [WeightInfo] { layers.flatMap(\.weights) }

    var writerDescription: String {
        switch dialect {
        case .seqnn:
            var s = "SeqNN \(seqnnVersion ?? "(version not recorded)")"
            if let f = seqnnFormatVersion { s += ", file format \(f)" }
            if let k = kerasVersion { s += ", keras_version \(k)" }
            if let m = seqnnSemantics { s += ", Keras \(m) semantics" }
            return s
        case .keras2, .keras3:
            return "Keras \(kerasVersion ?? "?")"
        case .unknown:
            return kerasVersion.map { "keras_version \($0)" } ?? "unknown (no keras_version attribute)"
        }
    }
}

// MARK: - Reading

extension ModelReport {
    /// Reads a model file without running it. Unreadable files and unusable configs throw `.unreadable`.
    static func read(_ path: String) throws -> ModelReport {
        let ins: ModelFileInspector
        do { ins = try ModelFileInspector(path: path) } catch let e as SeqNNError {
            throw InspectError(.unreadable, e.message)
        }
        do { return try read(ins) } catch let e as SeqNNError {
            throw InspectError(.unreadable, "'\(path)': \(e.message)")
        }
    }

    static func read(_ ins: ModelFileInspector) throws -> ModelReport {
        let path = ins.path
        guard let configText = try ins.rootString("model_config") else {
            let hint = try ins.exists("/model_weights") || ins.layerNames() != nil
                ? "it holds weights only (save_weights layout?)" : "it is not a Keras model file"
            throw InspectError(.unreadable, "'\(path)' has no model_config attribute: \(hint)")
        }
        let config: JSON
        do { config = try JSON.parse(configText) } catch let e as SeqNNError {
            throw InspectError(.unreadable, "'\(path)': model_config is not valid JSON: \(e.message)")
        }
        guard let cls = config["class_name"]?.string else {
            throw InspectError(.unreadable, "'\(path)': model_config has no class_name; expected {\"class_name\": \"Sequential\", \"config\": ...}")
        }
        let body = config["config"] ?? .null
        let layerList: [JSON]
        if let a = body.array { layerList = a } else if let a = body["layers"]?.array { layerList = a } else {
            throw InspectError(.unreadable, "'\(path)': model_config of class '\(cls)' has no list of layers")
        }

        var problems = [Problem]()
        func note(_ m: String, broken: Bool = false) { problems.append(Problem(message: m, broken: broken)) }
        let kerasVersion = try ins.rootString("keras_version") ?? ins.string("keras_version", ofGroup: "/model_weights")
        let backend = try ins.rootString("backend") ?? ins.string("backend", ofGroup: "/model_weights")
        let seqnnFormat = try ins.rootString("seqnn_format_version")
        var dialect = Dialect.unknown, guessed = false
        if seqnnFormat != nil { dialect = .seqnn } else if let v = kerasVersion {
            if v.hasPrefix("2.") { dialect = .keras2 } else if v.hasPrefix("3.") { dialect = .keras3 }
        } else {
            guessed = true
            dialect = configText.contains("\"batch_shape\"") || configText.contains("\"DTypePolicy\"") ? .keras3 : .keras2
            note("the file has no keras_version attribute (Keras 2 then treats it as a Keras 1 file)")
        }
        let semantics = try ins.rootString("seqnn_keras_semantics")
        let kerasMajor = semantics.flatMap { Int($0) } ?? (dialect == .keras2 ? 2 : 3)

        // Input shape: InputLayer, the first layer's input arguments, or Keras 3's build_input_shape.
        var entries = layerList
        var batchShape: [Int?]?
        if let first = entries.first, first["class_name"]?.string == "InputLayer" {
            batchShape = Shapes.declaredBatchShape(first["config"] ?? .null, className: "InputLayer")
            entries.removeFirst()
        } else if let first = entries.first {
            batchShape = Shapes.declaredBatchShape(first["config"] ?? .null, className: first["class_name"]?.string ?? "")
        }
        if batchShape == nil, let b = body["build_input_shape"]?.intList, b.count >= 1 { batchShape = b }

        let stored = try ins.layerWeights()
        let modelTrainable = body["trainable"]?.bool ?? true
        let sequential = cls == "Sequential"
        if !sequential {
            note("model_config describes a '\(cls)' model: layers are listed in config order and output shapes are not computed; SeqNN runs Sequential models only")
        }
        var layers = [LayerInfo]()
        var shape: [Int?]? = batchShape.map { Array($0.dropFirst()) }
        var usedGroups = Set<Int>()
        // Pair config layers with layer_names entries by name; the rest by position (Keras matches by position).
        var groupFor = [Int: Int]()
        for (i, e) in entries.enumerated() {
            if let n = e["config"]?["name"]?.string, let g = stored.firstIndex(where: { $0.layerName == n }), !usedGroups.contains(g) {
                groupFor[i] = g
                usedGroups.insert(g)
            }
        }
        let hasWeightGroups = ins.exists("/model_weights")
        var missingAll = false
        var spare = stored.indices.filter { !usedGroups.contains($0) && !stored[$0].weights.isEmpty }
        for (index, e) in entries.enumerated() {
            let className = e["class_name"]?.string ?? "?"
            let c = e["config"] ?? .object([])
            let name = c["name"]?.string ?? "layer_\(index)"
            if sequential, className == "InputLayer" {
                note("layer \(index) '\(name)' is an InputLayer that is not first", broken: true)
                continue
            }
            var inference = Shapes.infer(className: className, config: c, input: sequential ? shape : nil)
            if !sequential { inference.output = nil }
            if let bad = inference.invalid {
                note("layer '\(name)' (\(className)): invalid config: \(bad)", broken: true)
                inference = Shapes.Result(output: nil, params: nil)
            } else if let o = inference.output, o.contains(where: { ($0 ?? 1) <= 0 }) {
                note("layer '\(name)' (\(className)): the config gives an empty or negative output shape \(Shapes.describe(batch: nil, o))", broken: true)
            }
            if groupFor[index] == nil, (inference.params ?? 1) > 0, !spare.isEmpty { groupFor[index] = spare.removeFirst() }
            var weights = [WeightInfo]()
            let trainable = modelTrainable && (c["trainable"]?.bool ?? true)
            if let g = groupFor[index] {
                let lw = stored[g]
                if !lw.groupExists { note("layer_names lists '\(lw.layerName)' but /model_weights/\(lw.layerName) is missing", broken: true) }
                for m in lw.missing { note("layer '\(name)': weight_names lists '\(m)' but the dataset is missing", broken: true) }
                weights = lw.weights.map { d in
                    WeightInfo(dataset: d, layer: name, trainable: trainable && !Shapes.isNonTrainableWeight(d.name, className: className))
                }
            }
            var params = 0, trainableParams = 0, source = "weights"
            if groupFor[index] != nil, !weights.isEmpty || inference.params != nil || hasWeightGroups {
                // The file is the truth: Keras writes every weight of a layer it lists in layer_names.
                params = weights.reduce(0) { $0 + $1.dataset.count }
                trainableParams = weights.filter(\.trainable).reduce(0) { $0 + $1.dataset.count }
                if let shapes = inference.weightShapes {
                    let stored = weights.map(\.dataset.shape)
                    if stored.count != shapes.count {
                        note("layer '\(name)' (\(className)): \(stored.count) weight\(stored.count == 1 ? " is" : "s are") stored, the config implies \(shapes.count): \(shapes.map(Shapes.describe).joined(separator: ", "))", broken: true)
                    } else {
                        for (k, (a, b)) in zip(stored, shapes).enumerated() where a != b {
                            note("layer '\(name)' (\(className)): weight \(k) '\(weights[k].dataset.name)' is stored as \(Shapes.describe(a)); the config implies \(Shapes.describe(b))", broken: true)
                        }
                    }
                } else if let exp = inference.params, exp != params {
                    note("layer '\(name)' (\(className)): the stored weights hold \(params) values, the config implies \(exp)"
                         + (weights.isEmpty ? "" : " (\(weights.map { Shapes.describe($0.dataset.shape) }.joined(separator: ", ")))"), broken: true)
                }
            } else if let exp = inference.params {
                params = exp
                source = exp == 0 ? "none" : "config"
                if exp > 0 {
                    trainableParams = trainable ? exp - Shapes.nonTrainableShare(className: className, config: c, params: exp) : 0
                    if hasWeightGroups { note("layer '\(name)' (\(className)): the file stores no weights for it; its config implies \(exp)", broken: true) }
                    missingAll = true
                }
            } else {
                source = "unknown"
            }
            var seqnnProblem: String?
            if !sequential {
                seqnnProblem = "not a Sequential model"
            } else {
                do { _ = try LayerRegistry.make(className: className, config: c, kerasMajor: kerasMajor) } catch let e as SeqNNError {
                    // Without LayerRegistry's list of supported classes, which grows with every release.
                    seqnnProblem = e.message.firstRange(of: "; supported: ").map { String(e.message[..<$0.lowerBound]) } ?? e.message
                } catch { seqnnProblem = "\(error)" }
            }
            layers.append(LayerInfo(index: layers.count, name: name, className: className, config: c, outputShape: inference.output,
                                    activation: Shapes.activation(className: className, config: c), trainable: trainable,
                                    weights: weights, expectedParams: inference.params, paramsSource: source, params: params,
                                    trainableParams: trainableParams, seqnnProblem: seqnnProblem))
            shape = inference.output
        }
        if missingAll && !hasWeightGroups {
            note("the file has no model_weights group (Keras's load_model fails with KeyError 'model_weights'); parameter counts are computed from the config", broken: true)
        }
        for g in stored.indices where !usedGroups.contains(g) && !groupFor.values.contains(g) && !stored[g].weights.isEmpty {
            note("model_weights holds weights for '\(stored[g].layerName)', which matches no layer of the config", broken: true)
        }

        var training: TrainingInfo?
        if let t = try ins.rootString("training_config") {
            do { training = TrainingInfo(try JSON.parse(t)) } catch let e as SeqNNError {
                note("training_config is not valid JSON: \(e.message)", broken: true)
            }
        }
        var history: HistoryInfo?
        if let h = try ins.rootString("seqnn_history") {
            if let j = try? JSON.parse(h), let hist = try? History(json: j) {
                history = HistoryInfo(epochs: hist.epochs, series: zip(hist.keys, hist.values).map { ($0, $1) })
            } else {
                note("seqnn_history is not a readable history")
            }
        }
        return ModelReport(
            path: path, fileSize: ins.fileSize, dialect: dialect, dialectGuessed: guessed, kerasVersion: kerasVersion,
            backend: backend, seqnnVersion: try ins.rootString("seqnn_version"), seqnnFormatVersion: seqnnFormat,
            seqnnSemantics: semantics, modelClass: cls, modelName: body["name"]?.string ?? "sequential",
            batchSize: batchShape?.first ?? nil, inputShape: batchShape.map { Array($0.dropFirst()) }, layers: layers,
            training: training, optimizerState: try optimizerState(ins), history: history,
            hasTestBatch: ins.exists("/seqnn_test_batch/x") && ins.exists("/seqnn_test_batch/y"), problems: problems,
            modelConfig: config, kerasMajor: kerasMajor, inspector: ins)
    }

    static func optimizerState(_ ins: ModelFileInspector) throws -> OptimizerStateInfo? {
        let tensors = try ins.optimizerDatasets()
        guard !tensors.isEmpty else { return nil }
        var layouts = [String]()
        if ins.exists("/seqnn_optimizer_state") { layouts.append("seqnn") }
        let keras = tensors.filter { $0.path.hasPrefix("/optimizer_weights/") }
        if !keras.isEmpty { layouts.append(keras.contains(where: { $0.name.hasSuffix(":0") }) ? "keras2" : "keras3") }
        let layout = layouts.joined(separator: "+")
        var iterations: Int?
        if let it = tensors.first(where: { ["iteration", "iteration:0", "iterations"].contains($0.path.split(separator: "/").last.map(String.init) ?? "") }),
           it.count == 1, let v = try? ins.values(at: it.path).first, v.isFinite, abs(v) < 9e15 {
            iterations = Int(v)
        }
        return OptimizerStateInfo(layout: layout, tensors: tensors.count, values: tensors.reduce(0) { $0 + $1.count }, iterations: iterations)
    }
}

extension TrainingInfo {
    init(_ j: JSON) {
        raw = j
        let opt = j["optimizer_config"]
        var cls = opt?["class_name"]?.string
        if let c = cls, c.hasPrefix("Custom>") { cls = String(c.dropFirst("Custom>".count)) }
        optimizerClass = cls ?? opt?.string
        optimizerConfig = opt?["config"]?.object ?? []
        loss = j["loss"].flatMap(TrainingInfo.describeLoss)
        metrics = TrainingInfo.names(j["metrics"])
        weightedMetrics = TrainingInfo.names(j["weighted_metrics"])
        lossWeights = j["loss_weights"].flatMap { w -> JSON? in w.isNull ? Optional.none : w }
    }

    static func describeLoss(_ l: JSON) -> String? {
        if l.isNull { return nil }
        if let s = l.string { return s }
        if let a = l.array { return a.compactMap(describeLoss).joined(separator: ", ") }
        if let cls = l["class_name"]?.string {
            let opts = (l["config"]?.object ?? []).filter { !["name", "reduction", "dtype"].contains($0.0) && !$0.1.isNull }
            return opts.isEmpty ? cls : cls + "(" + opts.map { "\($0.0)=\(Format.json($0.1))" }.joined(separator: ", ") + ")"
        }
        if let o = l.object { return o.map { "\($0.0): \(describeLoss($0.1) ?? "null")" }.joined(separator: ", ") }
        return l.description
    }

    /// Metric names from either dialect: K3 plain strings, K2 lists of MeanMetricWrapper objects.
    static func names(_ j: JSON?) -> [String] {
        guard let j, !j.isNull else { return [] }
        if let s = j.string { return [s] }
        if let a = j.array { return a.flatMap { names($0) } }
        if let cls = j["class_name"]?.string {
            let n = j["config"]?["name"]?.string ?? cls
            if let fn = j["config"]?["fn"]?.string, fn != n { return ["\(n) (\(fn))"] }
            return [n]
        }
        if let o = j.object { return o.flatMap { names($0.1) } }
        return [j.description]
    }
}
