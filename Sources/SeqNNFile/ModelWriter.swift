import SeqNN

#if canImport(Glibc)
import Glibc
#endif

/// Writes a model as a Keras legacy `.h5` file in the portable form of format §10, which tf_keras 2.21 and
/// Keras 3.3-3.15 load, predict with and keep training. SeqNN's own extras (format version, optimizer state,
/// history, test batch) go in attributes and groups Keras ignores.
package enum ModelWriter {
    package struct Options {
        /// Write `training_config` and optimizer state when the model is compiled (Keras's include_optimizer).
        package var includeOptimizer = true
        /// Also write the optimizer state in Keras 2's `optimizer_weights` layout, so tf_keras resumes with it.
        /// Keras 3 then cannot train the loaded model (format §8), hence off by default.
        package var keras2OptimizerWeights = false
        /// Samples whose predictions are stored with the model, for `seqinspect --verify`.
        package var testInputs: [Float]?
        package init() {}
    }

    /// What SeqNN writes as `keras_version`: a version both Keras generations accept (format §3; Keras 2
    /// misreads files that have none). SeqNN's own version goes in `seqnn_version`.
    static let kerasVersion = "2.21.0"
    package static let formatVersion = 1

    /// Saves atomically: the file is written under a temporary name in the same folder, flushed, synced and
    /// renamed over `path`, so a failed or interrupted save leaves any earlier file at `path` intact.
    package static func save(_ model: Sequential, to path: String, options: Options = Options(), seqnnVersion: String) throws {
        try atomically(model, path) { tmp in try write(model, to: tmp, options: options, seqnnVersion: seqnnVersion) }
    }

    /// The format the path names: `.keras` (Keras 3's archive), `.weights.h5` (Keras 3's weights file),
    /// anything else a legacy `.h5` file. Lower case, as Keras compares.
    package static func saveAny(_ model: Sequential, to path: String, options: Options = Options(), seqnnVersion: String) throws {
        let lower = path.lowercased()
        if lower.hasSuffix(".keras") {
            try KerasArchiveWriter.save(model, to: path, options: options, seqnnVersion: seqnnVersion)
        } else if lower.hasSuffix(".weights.h5") {
            try KerasArchiveWriter.saveWeights(model, to: path)
        } else {
            try save(model, to: path, options: options, seqnnVersion: seqnnVersion)
        }
    }

    /// Runs `write` on a temporary path beside `path` under the model's read access, syncs the result and
    /// renames it over `path`; on any failure the temporary file is removed and `path` is untouched.
    static func atomically(_ model: Sequential, _ path: String, _ write: (String) throws -> Void) throws {
        guard !path.isEmpty else { throw SeqNNError(.invalidArgument, "save: the path is empty") }
        guard model.inputShape != nil, !model.layers.isEmpty else {
            throw SeqNNError(.notBuilt, "save: the model must be built (layers and an input shape) before it is saved")
        }
        let tmp = temporaryPath(for: path)
        do {
            try model.reading("save") { try write(tmp) }
            try syncFile(tmp)
            guard rename(tmp, path) == 0 else {
                throw SeqNNError(.io, "save: cannot move the new file into place at '\(path)': \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(tmp)
            throw error
        }
    }

    static func temporaryPath(for path: String) -> String {
        var rng = SystemRandomNumberGenerator()
        return "\(path).seqnn-tmp-\(getpid())-\(String(rng.next() as UInt64, radix: 36))"
    }

    static func syncFile(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw SeqNNError(.io, "save: cannot reopen '\(path)' to sync it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SeqNNError(.io, "save: fsync of '\(path)' failed: \(String(cString: strerror(errno)))") }
    }

    static func write(_ model: Sequential, to path: String, options: Options, seqnnVersion: String) throws {
        let file = try H5File.create(path)
        let root = file.root
        try root.setString("keras_version", kerasVersion, utf8: true)
        try root.setString("backend", "tensorflow", utf8: true)
        try root.setString("model_config", JSON.object([("class_name", "Sequential"), ("config", model.config())]).description)
        let compiled = options.includeOptimizer ? model.trainingConfig(keras2OptimizerState: options.keras2OptimizerWeights) : nil
        if let t = compiled { try root.setString("training_config", t.description) }
        try root.setString("seqnn_format_version", String(formatVersion))
        try root.setString("seqnn_version", seqnnVersion)
        try root.setString("seqnn_keras_semantics", String(model.kerasMajor))
        try root.setString("seqnn_random_state", model.randomState.map { String($0) }.joined(separator: " "))
        if let h = model.history, !h.epochs.isEmpty { try root.setString("seqnn_history", h.json.description) }
        try writeWeights(model, to: root.createGroup("model_weights"))
        if compiled != nil {
            try OptimizerState.write(model, to: file)
            if options.keras2OptimizerWeights { try OptimizerState.writeKeras2(model, to: file) }
        }
        if let x = options.testInputs { try writeTestBatch(model, x, to: file) }
        try file.flush()
    }

    /// `model_weights` as Keras 2 writes it: layer_names in model order, one group per layer with
    /// `weight_names` (`<layer>/<weight>:0`) and float32 datasets at those paths.
    static func writeWeights(_ model: Sequential, to g: H5Group) throws {
        try g.setString("backend", "tensorflow")
        try g.setString("keras_version", kerasVersion)
        try g.setNameList("layer_names", model.layers.map(\.name))
        for layer in model.layers {
            let lg = try g.createGroup(layer.name)
            let names = layer.parameters.map { "\(layer.name)/\($0.name):0" }
            try lg.setNameList("weight_names", names)
            for (n, p) in zip(names, layer.parameters) {
                if p.storedAsInteger { try lg.writeInt64(n, Int64(p.value.data[0].rounded())) } else { try lg.writeFloats(n, p.value) }
            }
        }
        _ = try g.createGroup("top_level_model_weights").setNameList("weight_names", [])
    }

    /// `seqnn_test_batch/x` and `/y`: inputs and the outputs this model gives for them now.
    /// (In a `.keras` archive the group sits in `model.weights.h5`, where Keras's loader never looks.)
    static func writeTestBatch(_ model: Sequential, _ x: [Float], to file: H5File) throws {
        let inSize = model.inputSize!, outShape = model.outputShape!
        guard !x.isEmpty, x.count % inSize == 0 else {
            throw SeqNNError(.shapeMismatch, "save: the test batch has \(x.count) values, not a whole number of samples of \(inSize)")
        }
        let n = x.count / inSize
        // From zero RNN states, as a reloaded model starts (and without advancing this model's streams).
        let y = try model.withStatesReset { try model.predict(x) }
        let g = try file.root.createGroup("seqnn_test_batch")
        try x.withUnsafeBufferPointer { try g.writeFloats("x", shape: [n] + model.inputShape!, $0) }
        try y.withUnsafeBufferPointer { try g.writeFloats("y", shape: [n] + outShape, $0) }
    }
}
