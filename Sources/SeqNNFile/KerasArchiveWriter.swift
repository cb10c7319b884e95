#if canImport(Glibc)
import Glibc
#endif
import SeqNN

/// Writes Keras 3's own formats (format §13): the `.keras` archive that `keras.models.load_model` reads back
/// compiled and ready to keep training, and the `.weights.h5` file of `save_weights`. Both are assembled in memory and put in
/// place by DurableFile (ModelWriter.save's contract: a failed save loses nothing).
package enum KerasArchiveWriter {
    /// The Keras version written in metadata.json: the Keras 3 release whose loader the format was checked against.
    static let kerasVersion = "3.15.1"

    package static func save(_ model: Sequential, to path: String, options: ModelWriter.Options, seqnnVersion: String) throws {
        guard options.keras2OptimizerWeights == false else {
            throw SeqNNError(.invalidArgument, "save: keras2_optimizer_weights applies to .h5 files; a .keras archive keeps the optimizer state in Keras 3's own layout")
        }
        try ModelWriter.atomically(model, path, options: options) {
            let compiled = options.includeOptimizer && model.isCompiled
            let weights = try H5File.createInMemory(name: "model.weights.h5", sizeHint: ModelWriter.estimatedBytes(model))
            try writeState(model, to: weights, optimizer: compiled)
            if let x = options.testInputs { try ModelWriter.writeTestBatch(model, x, to: weights) }
            try ContentChecksums.store(in: weights)
            return try ZipArchive.image(entries: [
                (KerasArchive.metadataName, Array(metadata(model, seqnnVersion: seqnnVersion).description.utf8)),
                (KerasArchive.configName, Array(config(model, compiled: compiled).description.utf8)),
                (KerasArchive.weightsName, try weights.image()),
            ])
        }
    }

    /// `save_weights` to a `.weights.h5` path: the layers' variables and, when compiled, the optimizer's.
    package static func saveWeights(_ model: Sequential, to path: String) throws {
        try ModelWriter.atomically(model, path, options: ModelWriter.Options()) {
            let file = try H5File.createInMemory(name: "model.weights.h5", sizeHint: ModelWriter.estimatedBytes(model))
            try writeState(model, to: file, optimizer: model.isCompiled)
            try ContentChecksums.store(in: file)
            return try file.image()
        }
    }

    // MARK: config.json and metadata.json

    /// Keras 3's `serialize_keras_object(model)` with `compile_config` (nil when saved without the optimizer).
    static func config(_ model: Sequential, compiled: Bool) -> JSON {
        let body = model.config()
        var layers = [JSON]()
        for item in body["layers"]?.array ?? [] {
            layers.append(.object([("module", "keras.layers"), ("class_name", item["class_name"] ?? .null),
                                   ("config", item["config"] ?? .object([])), ("registered_name", .null)]))
        }
        let input: JSON = .array([.null] + (model.inputShape ?? []).map { .number(Double($0)) })
        return .object([
            ("module", "keras"), ("class_name", "Sequential"),
            ("config", .object([("name", .string(model.name)), ("trainable", true), ("dtype", "float32"),
                                ("layers", .array(layers)), ("build_input_shape", input)])),
            ("registered_name", .null), ("build_config", .object([("input_shape", input)])),
            ("compile_config", compiled ? compileConfig(model) : .null),
        ])
    }

    /// Keras 3's `compile_config`: the optimizer as its own get_config() (learning-rate schedules included),
    /// the loss and metrics as the `.h5` training config writes them.
    static func compileConfig(_ model: Sequential) -> JSON {
        guard let t = model.trainingConfig(), let opt = model.optimizer else { return .null }
        let o = opt.config()
        return .object([
            ("optimizer", .object([("module", "keras.optimizers"), ("class_name", o["class_name"] ?? .null),
                                   ("config", o["config"] ?? .object([])), ("registered_name", .null)])),
            ("loss", t["loss"] ?? .null), ("loss_weights", .null), ("metrics", t["metrics"] ?? .null),
            ("weighted_metrics", .null), ("run_eagerly", false), ("steps_per_execution", 1), ("jit_compile", false),
        ])
    }

    /// Keras's two keys, and SeqNN's extras under "seqnn" (Keras reads only what it knows).
    static func metadata(_ model: Sequential, seqnnVersion: String) -> JSON {
        var seqnn: [(String, JSON)] = [("version", .string(seqnnVersion)), ("format_version", .string(String(ModelWriter.formatVersion))),
                                       ("keras_semantics", .string(String(model.kerasMajor))),
                                       ("seqnn_random_state", .string(model.randomState.map { String($0) }.joined(separator: " ")))]
        if let h = model.history, !h.epochs.isEmpty { seqnn.append(("seqnn_history", .string(h.json.description))) }
        return .object([("keras_version", .string(kerasVersion)), ("date_saved", .string(dateSaved())), ("seqnn", .object(seqnn))])
    }

    /// Keras's `datetime.now().strftime("%Y-%m-%d@%H:%M:%S")` (here in UTC).
    static func dateSaved() -> String {
        var t = time(nil)
        var parts = tm()
        gmtime_r(&t, &parts)
        var buf = [CChar](repeating: 0, count: 32)
        _ = strftime(&buf, buf.count, "%Y-%m-%d@%H:%M:%S", &parts)
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: model.weights.h5

    /// Keras 3's weights layout: `layers/<class path>/.../vars/<i>` for each layer (an empty `vars` group on
    /// every object on the way, as Keras writes), the model's own empty `vars`, and `optimizer/vars/<i>`.
    static func writeState(_ model: Sequential, to file: H5File, optimizer: Bool) throws {
        let root = file.root
        let layersGroup = try root.createGroup("layers")
        let paths = ModelFile.keras3LayerPaths(model.layers.map(\.kerasClassName))
        for (layer, path) in zip(model.layers, paths) {
            let base = try layersGroup.createGroup(path)
            try base.createGroup("vars").setString("name", layer.name)
            var counters = [String: Int]()
            for (p, group) in zip(layer.parameters, layer.kerasVariableGroups) {
                try ensureObjects(base, group)
                let i = counters[group, default: 0]
                counters[group] = i + 1
                let name = "\(group)/\(i)"
                if p.storedAsInteger { try base.writeInt64(name, Int64(p.value.data[0].rounded())) } else { try base.writeFloats(name, p.value) }
            }
        }
        try root.createGroup("vars").setString("name", model.name)
        if optimizer { try writeOptimizer(model, to: root.createGroup("optimizer")) }
    }

    /// Creates each object on `group`'s path ("forward_layer/cell/vars": `forward_layer/vars`,
    /// `forward_layer/cell/vars`) once, with Keras's `name` attribute on its `vars` group.
    static func ensureObjects(_ base: H5Group, _ group: String) throws {
        let parts = group.split(separator: "/").map(String.init).dropLast()   // the objects, without the final "vars"
        var path = ""
        for part in parts {
            path = path.isEmpty ? part : path + "/" + part
            if !base.has(path + "/vars") {
                let g = base.has(path) ? try base.group(path) : try base.createGroup(path)
                try g.createGroup("vars").setString("name", part)
            }
        }
    }

    /// `optimizer/vars`: the iteration count, the learning rate (not with a schedule: Keras keeps no variable
    /// for it then), the slots in build order (OptimizerState.keras2Layout, the same in both generations), and
    /// Nadam's u_product last.
    static func writeOptimizer(_ model: Sequential, to g: H5Group) throws {
        guard let opt = model.optimizer else { return }
        let params = model.trainableParameters
        opt.buildSlots(params)
        let vars = try g.createGroup("vars")
        try vars.setString("name", opt.kerasClassName.lowercased())
        var next = 0
        func add(_ write: (String) throws -> Void) throws { try write(String(next)); next += 1 }
        try add { try vars.writeInt64($0, Int64(opt.iterations)) }
        if opt.schedule == nil {
            try add { name in try withUnsafePointer(to: opt.learningRate) { try vars.writeFloats(name, shape: [], UnsafeBufferPointer(start: $0, count: 1)) } }
        }
        for group in OptimizerState.keras2Layout(opt) {
            for i in params.indices {
                for (ours, _) in group { try add { try vars.writeFloats($0, opt.slots[i][opt.slotNames.firstIndex(of: ours)!]) } }
            }
        }
        for (_, v) in opt.extraState.sorted(by: { $0.key < $1.key }) {
            try add { name in try withUnsafePointer(to: v) { try vars.writeFloats(name, shape: [], UnsafeBufferPointer(start: $0, count: 1)) } }
        }
    }
}
