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
    /// 2: the file carries `seqnn_checksums` (ContentChecksums), which a load then requires.
    package static let formatVersion = 2

    /// Saves atomically: the file is assembled in memory, then written under a temporary name in the same
    /// folder, synced and renamed over `path` (DurableFile), so a failed or interrupted save leaves any
    /// earlier file at `path` intact, and nothing the file system refuses can leave libhdf5 with a half-written file.
    package static func save(_ model: Sequential, to path: String, options: Options = Options(), seqnnVersion: String) throws {
        try atomically(model, path, options: options) { try image(model, options: options, seqnnVersion: seqnnVersion) }
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

    /// Checks the model can be saved (built; SaveCheck: every value and name a load accepts), runs `make` under
    /// the model's read access to get the file's bytes, and hands them to DurableFile.replace.
    static func atomically(_ model: Sequential, _ path: String, options: Options, _ make: () throws -> [UInt8]) throws {
        guard !path.isEmpty else { throw SeqNNError(.invalidArgument, "save: the path is empty") }
        guard model.inputShape != nil, !model.layers.isEmpty else {
            throw SeqNNError(.notBuilt, "save: the model must be built (layers and an input shape) before it is saved")
        }
        let bytes = try model.reading("save") { () throws -> [UInt8] in
            try SaveCheck.validate(model, includeOptimizer: options.includeOptimizer)
            return try make()
        }
        try DurableFile.replace(path, with: bytes)
    }

    /// The legacy `.h5` file's bytes, built in memory with its checksums (ContentChecksums).
    static func image(_ model: Sequential, options: Options, seqnnVersion: String) throws -> [UInt8] {
        let file = try H5File.createInMemory(name: "model.h5", sizeHint: estimatedBytes(model))
        try write(model, to: file, options: options, seqnnVersion: seqnnVersion)
        try ContentChecksums.store(in: file)
        return try file.image()
    }

    /// What the weights and optimizer slots take, plus room for the configs: the in-memory file grows in steps
    /// of this size, so a large model is not copied over and over as it grows.
    static func estimatedBytes(_ model: Sequential) -> Int {
        let weights = model.layers.reduce(0) { $0 + $1.parameters.reduce(0) { $0 + $1.value.count } }
        let slots = model.optimizer?.slots.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } } ?? 0
        return 4 * (weights + slots) + (1 << 20)
    }

    static func write(_ model: Sequential, to file: H5File, options: Options, seqnnVersion: String) throws {
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
