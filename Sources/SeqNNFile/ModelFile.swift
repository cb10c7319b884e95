#if canImport(Glibc)
import Glibc
#endif
import SeqNN

/// The one parse of a Keras legacy `.h5` model file written by Keras 2, Keras 3 or SeqNN
/// (docs/keras-h5-format.md). It opens the file once and yields its parts: the format and writer
/// (`format`), the model config, the training config, the weights per layer in Keras order, the optimizer
/// state, SeqNN's history and test batch. `ModelReader` builds a `Sequential` from these parts; `seqinspect`
/// shows them, so it also works on files whose layers SeqNN cannot run.
///
/// Contract: nothing here writes to the file; every failure is a `SeqNNError` (`.io` when the file system
/// refuses, `.format` for a file that is not a readable model file). Values are read only when asked for, so
/// opening a large file is cheap.
package final class ModelFile: @unchecked Sendable {
    /// The format generation a file was written in.
    package enum Dialect: String, Sendable {
        case keras2, keras3, seqnn, unknown
    }

    /// What the file says about itself, from its root attributes.
    package struct Format: Sendable {
        package var dialect: Dialect
        /// True when the file has no `keras_version` attribute and the dialect was guessed from the config.
        package var dialectGuessed: Bool
        package var kerasVersion: String?
        package var backend: String?
        /// SeqNN's `seqnn_version`, `seqnn_format_version` and `seqnn_keras_semantics`, when SeqNN wrote the file.
        package var seqnnVersion: String?
        package var seqnnFormatVersion: String?
        package var seqnnSemantics: String?
        /// The Keras generation whose definitions apply where Keras 2 and 3 differ (hard_sigmoid, the
        /// binary crossentropy epsilon, frozen-layer penalties).
        package var kerasMajor: Int
    }

    /// Where the parts are (format §13 for the Keras 3 layouts).
    package enum Layout: String, Sendable {
        /// A legacy `.h5` file: configs in root attributes, weights in `model_weights` by `layer_names`.
        case legacy
        /// A `.keras` zip archive: `config.json`, `metadata.json` and `model.weights.h5` (Keras 3's layout).
        case archive
        /// A Keras 3 `.weights.h5` file: the weights part of an archive alone (`layers/...`, `optimizer/...`).
        case weights
    }

    package let path: String
    /// The size of the file in bytes.
    package let fileSize: Int
    package let format: Format
    package let layout: Layout
    /// What the file holds, as the reader described it (`H5Snapshot`): for an archive, its `model.weights.h5`.
    let tree: H5Tree
    var root: H5TreeGroup { tree.root }
    /// An archive's `config.json` (parsed) and `metadata.json`.
    let archiveConfig: JSON?
    let archiveMetadata: JSON?

    /// Reads the model file at `path` (a `.h5` file of either layout or a `.keras` archive, told apart by their
    /// signatures) the way `options` says: by default libhdf5 runs in the `seqnn-reader` process under time
    /// and memory limits (`ReaderProcess`), so no file can crash or hang the caller; `options.trusted` reads
    /// in this process. Missing, empty, corrupt, truncated and hostile files give a clear error.
    package init(path: String, options: LoadOptions = LoadOptions()) throws {
        self.path = path
        var st = stat()
        let statOK = stat(path, &st) == 0
        fileSize = statOK ? Int(st.st_size) : 0
        if statOK, (st.st_mode & S_IFMT) != S_IFREG {
            // A FIFO or device would block or never end; a folder is not a model file either.
            throw SeqNNError(.io, "'\(path)' is not a regular file (a folder, FIFO or device); model files are regular files")
        }
        let isZip = statOK && ZipArchive.looksLikeZip(path)
        if !isZip, path.lowercased().hasSuffix(".keras"), fileSize > 0 {
            throw SeqNNError(.format, "'\(path)' is not a .keras archive (no zip signature)")
        }
        tree = try ReaderProcess.describe(path, fileSize: fileSize, options: options)
        if let names = tree.archiveNames {
            let parts = try KerasArchive.parts(tree, names: names, path: path)
            archiveConfig = parts.config
            archiveMetadata = parts.metadata
            layout = .archive
            format = KerasArchive.format(parts.metadata)
        } else {
            archiveConfig = nil
            archiveMetadata = nil
            let v3 = tree.root.has("layers") && !tree.root.has("model_weights") && !tree.root.hasAttribute("layer_names")
            layout = v3 ? .weights : .legacy
            format = v3 ? KerasArchive.format(nil) : try Self.readFormat(tree.root)
        }
    }

    // MARK: Format

    /// Keras 2 and 3 write `keras_version` and `backend` on the root and again on `model_weights` (where
    /// Keras's own weight loader reads them); SeqNN writes `keras_version` "2.21.0" plus its own markers.
    /// The version decides the dialect. Only a file without any `keras_version` (not written by Keras 2, 3
    /// or SeqNN: Keras then treats it as a Keras 1 file) falls back to a guess from the config text:
    /// Keras 3 writes `batch_shape` and `DTypePolicy` objects, Keras 2 `batch_input_shape` and dtype strings.
    static func readFormat(_ root: H5TreeGroup) throws -> Format {
        let weights = root.has("model_weights") ? try? root.group("model_weights") : nil
        let version = try root.stringAttribute("keras_version") ?? weights?.stringAttribute("keras_version")
        let backend = try root.stringAttribute("backend") ?? weights?.stringAttribute("backend")
        let seqnnFormat = try root.stringAttribute("seqnn_format_version")
        let semantics = try root.stringAttribute("seqnn_keras_semantics")
        var dialect = Dialect.unknown, guessed = false
        if seqnnFormat != nil {
            dialect = .seqnn
        } else if let v = version {
            if v.hasPrefix("2.") { dialect = .keras2 } else if v.hasPrefix("3.") { dialect = .keras3 }
        } else {
            guessed = true
            let config = (try? root.stringAttribute("model_config")) ?? nil
            dialect = config.map(looksLikeKeras3) == true ? .keras3 : .keras2
        }
        var major = guessed ? (dialect == .keras3 ? 3 : 2) : 3
        if let v = version, let m = Int(v.split(separator: ".").first ?? "") { major = m }
        if let s = semantics, let m = Int(s) { major = m }
        return Format(dialect: dialect, dialectGuessed: guessed, kerasVersion: version, backend: backend,
                      seqnnVersion: try root.stringAttribute("seqnn_version"), seqnnFormatVersion: seqnnFormat,
                      seqnnSemantics: semantics, kerasMajor: major)
    }

    static func looksLikeKeras3(_ configText: String) -> Bool {
        configText.contains("\"batch_shape\"") || configText.contains("\"DTypePolicy\"")
    }

    // MARK: Configs and SeqNN's extras

    /// `model_config` as stored (an archive's `config.json`), nil when absent.
    package func modelConfigText() throws -> String? {
        if layout == .archive { return archiveConfig?.description }
        return layout == .weights ? nil : try root.stringAttribute("model_config")
    }

    /// `model_config` parsed: `{"class_name": ..., "config": ...}`. A file without one (a weights-only file)
    /// or with text that is not JSON is refused, saying which.
    package func modelConfig() throws -> JSON {
        guard let text = try modelConfigText() else {
            if layout == .weights {
                throw SeqNNError(.format, "'\(path)' is a Keras 3 weights file (save_weights layout): it holds no architecture; build the model and load it with load_weights")
            }
            let hint = root.has("model_weights") || root.hasAttribute("layer_names")
                ? "it holds weights only (save_weights layout?)" : "it is not a Keras model file"
            throw SeqNNError(.format, "'\(path)' has no model_config attribute: \(hint)")
        }
        let json: JSON
        do { json = try JSON.parse(text) } catch let e as SeqNNError {
            throw SeqNNError(.format, "'\(path)': model_config is not valid JSON: \(e.message)")
        }
        guard json["class_name"]?.string != nil else {
            throw SeqNNError(.format, "'\(path)': model_config has no class_name; expected {\"class_name\": \"Sequential\", \"config\": ...}")
        }
        return json
    }

    /// `training_config` as stored (Keras writes it when the model was compiled and saved with its optimizer);
    /// for an archive, its `compile_config` in that form.
    package func trainingConfigText() throws -> String? {
        switch layout {
        case .archive: return archiveConfig.flatMap(KerasArchive.trainingConfig)?.description
        case .weights: return nil
        case .legacy: return try root.stringAttribute("training_config")
        }
    }

    /// A SeqNN extra: a root attribute of a `.h5` file, a key of `metadata.json`'s "seqnn" object in an archive.
    func seqnnExtra(_ key: String) throws -> String? {
        switch layout {
        case .archive: return archiveMetadata?["seqnn"]?[key]?.string
        case .weights: return nil
        case .legacy: return try root.stringAttribute(key)
        }
    }

    /// SeqNN's `seqnn_history` as stored (Keras keeps no history in its files).
    package func historyText() throws -> String? { try seqnnExtra("seqnn_history") }

    /// SeqNN's `seqnn_random_state`: the model's generator state (4 words), so a resumed fit continues exactly.
    package func randomState() throws -> [UInt64]? {
        guard let r = try seqnnExtra("seqnn_random_state") else { return nil }
        let words = r.split(separator: " ").compactMap { UInt64($0) }
        guard words.count == 4 else { throw SeqNNError(.format, "seqnn_random_state must hold 4 integers, found '\(r.prefix(80))'") }
        return words
    }
}
