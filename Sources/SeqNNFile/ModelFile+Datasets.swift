#if canImport(Glibc)
import Glibc
#endif
import CSeqNNHDF5
import SeqNN

/// The datasets of a model file: the weights listed in `model_weights` (in `layer_names` order, as Keras's
/// positional loader reads them), the optimizer state tensors and SeqNN's test batch. Shapes and types are
/// read from the metadata; values only by `values(at:)`.
extension ModelFile {
    /// One dataset: where it is, its shape and element type as stored.
    package struct Dataset: Sendable, Equatable {
        /// The absolute HDF5 path ("/model_weights/dense/dense/kernel:0").
        package var path: String
        /// The name it is listed under (the `weight_names` entry), or the path relative to its group.
        package var name: String
        package var shape: [Int]
        /// "float32", "float64", "float16", "int64", "uint8", ... or the HDF5 class for anything else.
        package var dtype: String
        /// The element count. A hostile file can declare dimensions whose product overflows; such counts
        /// read as `maxCount` (2^48, far beyond any real file), so sums over a file's datasets cannot overflow.
        package var count: Int {
            var n = 1
            for d in shape {
                let (p, overflow) = n.multipliedReportingOverflow(by: max(d, 0))
                if overflow || p > Self.maxCount { return Self.maxCount }
                n = p
            }
            return n
        }
        package static let maxCount = 1 << 48
    }

    /// The weights of one `layer_names` entry, in `weight_names` order.
    package struct LayerWeights: Sendable {
        package var layerName: String
        /// Datasets that exist; names listed in `weight_names` but missing are in `missing`.
        package var weights: [Dataset]
        package var missing: [String]
        /// False when `layer_names` lists the layer but its group is absent.
        package var groupExists: Bool
    }

    // MARK: Groups and datasets

    /// Whether an object (group or dataset) exists at the absolute or root-relative `path`.
    package func exists(_ path: String) -> Bool { tree.node(absolute(path)) != nil }

    func relative(_ path: String) -> String { String(path.drop { $0 == "/" }) }

    func absolute(_ path: String) -> String { root.resolve(path) }

    func group(_ path: String) throws -> H5TreeGroup? {
        guard let n = tree.node(absolute(path)), n.isGroup else { return nil }
        return H5TreeGroup(tree: tree, path: n.path)
    }

    func isDataset(_ path: String) -> Bool { tree.node(absolute(path)).map { !$0.isGroup } ?? false }
    func isGroup(_ path: String) -> Bool { tree.node(absolute(path))?.isGroup ?? false }

    /// For each entry of `model_weights`' `layer_names` (with Keras's split-list fallback), its datasets in
    /// `weight_names` order (format §4.3): what Keras's positional loader reads. Empty when the file has no
    /// `model_weights`.
    package func layerWeights() throws -> [LayerWeights] {
        if layout == .weights {
            return try weightsOnlyLayers().map { LayerWeights(layerName: $0.path, weights: try objectVariables("/layers/" + $0.path), missing: [], groupExists: true) }
        }
        if layout == .archive {
            let (classes, names) = try configLayers()
            return try layerWeightsV3(classNames: classes, layerNames: names)
        }
        guard let mw = try group("model_weights") else { return [] }
        return try layerWeights(in: mw)
    }

    /// Whether the file has the group its layout keeps weights in (`model_weights`, or Keras 3's `layers`).
    package var hasWeightGroups: Bool { exists(layout == .legacy ? "/model_weights" : "/layers") }

    /// The same for any group holding `layer_names`: `model_weights`, or the root of a weights-only file.
    func layerWeights(in g: H5TreeGroup) throws -> [LayerWeights] {
        var out = [LayerWeights]()
        for name in try g.nameList("layer_names") ?? [] {
            guard g.has(name), let lg = try group(g.child(name)) else {
                out.append(LayerWeights(layerName: name, weights: [], missing: [], groupExists: false))
                continue
            }
            var found = [Dataset](), missing = [String]()
            for w in try lg.nameList("weight_names") ?? [] {
                if lg.has(w) { found.append(try dataset(lg.child(w), name: w)) } else { missing.append(w) }
            }
            out.append(LayerWeights(layerName: name, weights: found, missing: missing, groupExists: true))
        }
        return out
    }

    /// A dataset's values as float32 (SeqNN's weights), converted from any float type on read.
    func floats(_ d: Dataset) throws -> [Float] { try root.floats(relative(d.path)).values }

    /// Optimizer state tensors: Keras's `optimizer_weights` (K2 or K3 layout, in `weight_names` order, then
    /// any unlisted datasets) and SeqNN's `seqnn_optimizer_state`, in that order.
    package func optimizerDatasets() throws -> [Dataset] {
        if layout != .legacy { return try optimizerVariablesV3() }
        var out = [Dataset]()
        if let g = try group("optimizer_weights") {
            var listed = Set<String>()
            for w in try g.nameList("weight_names") ?? [] where g.has(w) {
                out.append(try dataset(g.child(w), name: w))
                listed.insert(g.child(w))
            }
            out += try datasets(under: "/optimizer_weights").filter { !listed.contains($0.path) }
        }
        out += try datasets(under: "/seqnn_optimizer_state")
        return out
    }

    /// Every dataset below `groupPath`, depth first in name order (as H5Lvisit lists them), named relative
    /// to that group.
    package func datasets(under groupPath: String) throws -> [Dataset] {
        guard let g = try group(groupPath) else { return [] }
        var out = [Dataset]()
        func visit(_ path: String, _ prefix: String) throws {
            for name in tree.node(path)?.children ?? [] where out.count < 100_000 {
                let p = H5Tree.join(path, name), rel = prefix.isEmpty ? name : prefix + "/" + name
                if isDataset(p) { out.append(try dataset(p, name: rel)) } else { try visit(p, rel) }
            }
        }
        try visit(g.path, "")
        return out
    }

    /// Shape and type of the dataset at the absolute `path`.
    package func dataset(_ path: String, name: String? = nil) throws -> Dataset {
        guard let n = tree.node(absolute(path)), !n.isGroup else { throw SeqNNError(.format, "dataset \(path) is missing") }
        return Dataset(path: path, name: name ?? String(path.split(separator: "/").last ?? ""), shape: n.shape, dtype: n.dtype)
    }

    static func dtypeName(_ t: hid_t) -> String {
        let size = H5Tget_size(t)
        switch H5Tget_class(t) {
        case H5T_FLOAT: return "float\(size * 8)"
        case H5T_INTEGER: return (H5Tget_sign(t) == H5T_SGN_NONE ? "uint" : "int") + "\(size * 8)"
        case H5T_STRING: return "string"
        case H5T_COMPOUND: return "compound"
        case H5T_ENUM: return "enum"
        case H5T_ARRAY: return "array"
        default: return "opaque"
        }
    }

    /// The values of a numeric dataset, converted to Double (float16/32/64 and integers alike), row-major.
    /// Refuses non-numeric types and more than `limit` elements before allocating.
    package func values(at path: String, limit: Int = 1 << 28) throws -> [Double] {
        let info = try dataset(path)
        guard info.dtype.hasPrefix("float") || info.dtype.hasPrefix("int") || info.dtype.hasPrefix("uint") else {
            throw SeqNNError(.format, "dataset \(path) holds \(info.dtype) values, not numbers")
        }
        guard info.count <= limit else { throw SeqNNError(.format, "dataset \(path) has \(info.count) elements, more than \(limit)") }
        return try root.doubles(relative(path)).values
    }

    // MARK: SeqNN's test batch

    /// `seqnn_test_batch/x` and `/y` (ModelWriter's `testInputs`), nil when the file has none.
    package func testBatch() throws -> (x: [Float], xShape: [Int], y: [Float], yShape: [Int])? {
        guard exists("/seqnn_test_batch/x"), exists("/seqnn_test_batch/y") else { return nil }
        let g = try root.group("seqnn_test_batch")
        let x = try g.floats("x"), y = try g.floats("y")
        return (x.values, x.shape, y.values, y.shape)
    }

    // MARK: Optimizer state

    /// What `optimizerDatasets` holds, summarized: which layouts are present, how many tensors and values,
    /// and the iteration counter when one is stored.
    package struct OptimizerStateSummary: Sendable {
        /// "keras2", "keras3" (the `optimizer_weights` group: Keras 2 names end in ":0"), "seqnn"
        /// (`seqnn_optimizer_state`), or "seqnn+keras2" when SeqNN wrote both.
        package var layout: String
        package var tensors: Int
        package var values: Int
        package var iterations: Int?
    }

    /// nil when the file stores no optimizer state (saved uncompiled or with include_optimizer=False).
    package func optimizerStateSummary() throws -> OptimizerStateSummary? {
        let tensors = try optimizerDatasets()
        guard !tensors.isEmpty else { return nil }
        var layouts = [String]()
        if layout != .legacy {
            let it = tensors.first.flatMap { try? values(at: $0.path).first }
            return OptimizerStateSummary(layout: "keras3-vars", tensors: tensors.count, values: tensors.reduce(0) { $0 + $1.count },
                                         iterations: it.flatMap { $0.isFinite && abs($0) < 9e15 ? Int($0) : nil })
        }
        if exists("/seqnn_optimizer_state") { layouts.append("seqnn") }
        let keras = tensors.filter { $0.path.hasPrefix("/optimizer_weights/") }
        if !keras.isEmpty { layouts.append(keras.contains(where: { $0.name.hasSuffix(":0") }) ? "keras2" : "keras3") }
        // Keras 2 calls the counter "iteration:0", Keras 3 "iteration", SeqNN "iterations".
        var iterations: Int?
        if let it = tensors.first(where: { ["iteration", "iteration:0", "iterations"].contains($0.path.split(separator: "/").last.map(String.init) ?? "") }),
           it.count == 1, let v = try? values(at: it.path).first, v.isFinite, abs(v) < 9e15 {
            iterations = Int(v)
        }
        return OptimizerStateSummary(layout: layouts.joined(separator: "+"), tensors: tensors.count,
                                     values: tensors.reduce(0) { $0 + $1.count }, iterations: iterations)
    }
}
