import SeqNN

/// Keras 3's `.keras` archive (format §13): a zip of `config.json` (the model serialized as Keras 3 objects,
/// with `build_config` and `compile_config`), `metadata.json` (`keras_version`, `date_saved`) and
/// `model.weights.h5` (Keras 3's own weights layout, ModelFile+Keras3). SeqNN reads all three from memory and
/// writes them the same way; its extras (version, history, generator state) go in `metadata.json` under
/// "seqnn" and its test batch in `model.weights.h5`'s `seqnn_test_batch` group, both of which Keras ignores.
enum KerasArchive {
    static let configName = "config.json", metadataName = "metadata.json", weightsName = "model.weights.h5"
    /// No Sequential config needs more (a 10,000-layer model's config is a few MB).
    static let limits: [String: ZipArchive.Limits] = [
        configName: .init(maxBytes: 64 << 20), metadataName: .init(maxBytes: 1 << 20), weightsName: .init(maxBytes: 1 << 36),
    ]

    struct Parts {
        let config: JSON
        let metadata: JSON?
    }

    /// The archive's JSON parts, from the reader's description (`H5Snapshot` read the zip and walked its
    /// `model.weights.h5`); the checks a `.keras` file must pass to be a Keras 3 model.
    static func parts(_ tree: H5Tree, names: [String], path: String) throws -> Parts {
        guard let configBytes = tree.archiveEntries[configName] else {
            throw SeqNNError(.format, "'\(path)' is a zip archive without config.json: not a Keras 3 .keras file (it holds \(names.prefix(5).joined(separator: ", ")))")
        }
        guard names.contains(weightsName) else {
            if names.contains("model.weights.npz") {
                throw SeqNNError(.unsupported, "'\(path)' keeps its weights in model.weights.npz; SeqNN reads the model.weights.h5 that Keras writes by default")
            }
            throw SeqNNError(.format, "'\(path)' has no model.weights.h5 entry")
        }
        let config = try parse(configBytes, "config.json", path)
        guard config["class_name"]?.string != nil, config["config"] != nil else {
            throw SeqNNError(.format, "'\(path)': config.json is not a serialized Keras model (no class_name/config)")
        }
        let metadata = try tree.archiveEntries[metadataName].map { try parse($0, "metadata.json", path) }
        return Parts(config: config, metadata: metadata)
    }

    static func parse(_ bytes: [UInt8], _ what: String, _ path: String) throws -> JSON {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SeqNNError(.format, "'\(path)': \(what) is not UTF-8 text")
        }
        do { return try JSON.parse(text) } catch let e as SeqNNError {
            throw SeqNNError(.format, "'\(path)': \(what) is not valid JSON: \(e.message)")
        }
    }

    /// The format facts of an archive (or a Keras 3 weights file, without metadata).
    static func format(_ metadata: JSON?) -> ModelFile.Format {
        let version = metadata?["keras_version"]?.string
        let seqnn = metadata?["seqnn"]
        let semantics = seqnn?["keras_semantics"]?.string
        return ModelFile.Format(dialect: seqnn != nil ? .seqnn : .keras3, dialectGuessed: false, kerasVersion: version,
                                backend: nil, seqnnVersion: seqnn?["version"]?.string,
                                seqnnFormatVersion: seqnn?["format_version"]?.string, seqnnSemantics: semantics,
                                kerasMajor: semantics.flatMap { Int($0) } ?? 3)
    }

    /// `compile_config` in `training_config`'s shape (format §7), which ModelReader.compile reads; nil when
    /// the model was saved uncompiled.
    static func trainingConfig(_ config: JSON) -> JSON? {
        guard let c = config["compile_config"], c.object != nil, let opt = c["optimizer"], !opt.isNull else { return nil }
        return .object([("loss", c["loss"] ?? .null), ("metrics", c["metrics"] ?? .null),
                        ("weighted_metrics", c["weighted_metrics"] ?? .null), ("loss_weights", c["loss_weights"] ?? .null),
                        ("optimizer_config", opt)])
    }
}
