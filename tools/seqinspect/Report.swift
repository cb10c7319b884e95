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

/// The format generation a file was written in (read by `ModelFile` from the file's attributes).
typealias Dialect = ModelFile.Dialect

extension ModelFile.Dialect {
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
    var dataset: ModelFile.Dataset
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

typealias OptimizerStateInfo = ModelFile.OptimizerStateSummary

struct HistoryInfo {
    var epochs: [Int]
    var series: [(key: String, values: [Double])]
}

/// Everything seqinspect shows about one file, read without running the model.
struct ModelReport {
    /// The file, opened once: its format, configs, datasets and values.
    var file: ModelFile
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
    /// `model_config` as parsed.
    var modelConfig: JSON

    var path: String { file.path }
    var fileSize: Int { file.fileSize }
    var dialect: Dialect { file.format.dialect }
    var dialectGuessed: Bool { file.format.dialectGuessed }
    var kerasVersion: String? { file.format.kerasVersion }
    var backend: String? { file.format.backend }
    var seqnnVersion: String? { file.format.seqnnVersion }
    var seqnnFormatVersion: String? { file.format.seqnnFormatVersion }
    var seqnnSemantics: String? { file.format.seqnnSemantics }
    /// The generation whose definitions SeqNN applies to the config.
    var kerasMajor: Int { file.format.kerasMajor }

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
