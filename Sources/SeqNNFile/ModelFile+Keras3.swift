#if canImport(Glibc)
import Glibc
#endif
import CSeqNNHDF5
import SeqNN

/// The weights and optimizer state of Keras 3's own layout (format §13): the `model.weights.h5` inside a
/// `.keras` archive and the `.weights.h5` files of `save_weights`. Keras 3 keys each layer's state by a path
/// made from its class, not its name (`layers/dense`, `layers/dense_1`, `layers/p_re_lu`, in model order), and
/// keeps a layer's variables in `vars/0, vars/1, ...` of the object that owns them: the layer, or a
/// sub-object such as a recurrent layer's `cell` or a wrapper's `forward_layer` / `layer`.
extension ModelFile {
    /// Keras's `naming.to_snake_case` of each class name, made unique in order as its saving code does
    /// (`_get_unique_name`: "dense", "dense_1", ...). InputLayer is not among a Sequential's layers.
    static func keras3LayerPaths(_ classNames: [String]) -> [String] {
        var used = [String: Int]()
        return classNames.map { cls in
            let base = snakeCase(cls)
            if let n = used[base] {
                used[base] = n + 1
                return "\(base)_\(n + 1)"
            }
            used[base] = 0
            return base
        }
    }

    /// `re.sub("(.)([A-Z][a-z]+)", r"\1_\2")`, then `re.sub("([a-z])([A-Z])", r"\1_\2")`, lowercased
    /// (after dropping non-word characters), as keras/src/utils/naming.py does: "PReLU" -> "p_re_lu".
    static func snakeCase(_ name: String) -> String {
        let c = Array(name.unicodeScalars.filter { $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) })
        func upper(_ s: Unicode.Scalar) -> Bool { ("A"..."Z").contains(s) }
        func lower(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) }
        // Pass 1: an underscore before every capital that starts a capitalized word (Cap + lowercase run),
        // unless it is the first character (the regex needs one character before it).
        var pass1 = [Unicode.Scalar]()
        var i = 0
        while i < c.count {
            if i > 0, upper(c[i]), i + 1 < c.count, lower(c[i + 1]) {
                pass1.append("_")
            }
            pass1.append(c[i])
            i += 1
        }
        // Pass 2: an underscore between a lowercase letter and a capital.
        var out = ""
        for (k, s) in pass1.enumerated() {
            if k > 0, lower(pass1[k - 1]), upper(s) { out.append("_") }
            out.unicodeScalars.append(s)
        }
        return out.lowercased()
    }

    /// The weights of each layer (given by class and name, in model order) from Keras 3's layout: its own
    /// `vars`, then its sub-objects' (a wrapped `layer`, `forward_layer` before `backward_layer` as Keras lists
    /// a Bidirectional's weights, a `cell`, then any others by name). `layerName` is the config's name.
    func layerWeightsV3(classNames: [String], layerNames: [String]) throws -> [LayerWeights] {
        var out = [LayerWeights]()
        for (path, name) in zip(Self.keras3LayerPaths(classNames), layerNames) {
            let base = "/layers/" + path
            let weights = exists(base) ? try objectVariables(base) : []
            out.append(LayerWeights(layerName: name, weights: weights, missing: [], groupExists: true))
        }
        return out
    }

    static let subObjectOrder = ["layer", "forward_layer", "backward_layer", "cell"]

    func objectVariables(_ path: String, depth: Int = 0) throws -> [Dataset] {
        guard depth < 8, let g = try group(path) else { return [] }
        var out = [Dataset]()
        if exists(path + "/vars") {
            for n in Self.numericOrder(try childNames(path + "/vars")) {
                let p = path + "/vars/" + n
                if isDataset(p) { out.append(try dataset(p, name: relative(p))) }
            }
        }
        let children = try childNames(g.path).filter { $0 != "vars" && isGroup(path + "/" + $0) }
        let ordered = Self.subObjectOrder.filter(children.contains) + children.filter { !Self.subObjectOrder.contains($0) }.sorted()
        for c in ordered { out += try objectVariables(path + "/" + c, depth: depth + 1) }
        return out
    }

    /// "0", "1", ..., "10" in numeric order (HDF5 lists them by name: "0", "1", "10", "2").
    static func numericOrder(_ names: [String]) -> [String] {
        names.sorted { a, b in
            switch (Int(a), Int(b)) {
            case let (x?, y?): return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a < b
            }
        }
    }

    /// The names directly inside a group (not recursive), in name order.
    func childNames(_ groupPath: String) throws -> [String] {
        guard let g = try group(groupPath) else { return [] }
        return tree.node(g.path)?.children ?? []
    }

    /// Keras 3's optimizer variables, `optimizer/vars/0...` in order: the iteration count, the learning rate
    /// (unless a schedule drives it), then the slots as the optimizer's `build` created them.
    func optimizerVariablesV3() throws -> [Dataset] {
        guard exists("/optimizer/vars") else { return [] }
        return try Self.numericOrder(childNames("/optimizer/vars")).map { try dataset("/optimizer/vars/" + $0, name: "optimizer/vars/" + $0) }
    }

    /// A `.weights.h5` file on its own: its layer groups in name order (the file does not record the model's
    /// order), each with the Keras class its path was made from when SeqNN knows one ("dense_1": Dense).
    package func weightsOnlyLayers() throws -> [(path: String, className: String?)] {
        let known = LayerRegistry.classNames
        return try childNames("/layers").map { path in
            var base = Substring(path)
            if let u = path.lastIndex(of: "_"), Int(path[path.index(after: u)...]) != nil, known.contains(where: { Self.snakeCase($0) == path[..<u] }) {
                base = path[..<u]
            }
            return (path, known.first { Self.snakeCase($0) == base })
        }
    }

    /// The layer classes and names of the archive's config (InputLayer left out), for `layerWeightsV3`.
    func configLayers() throws -> (classes: [String], names: [String]) {
        let list = try modelConfig()["config"]?["layers"]?.array ?? []
        let layers = list.filter { $0["class_name"]?.string != "InputLayer" }
        return (layers.map { $0["class_name"]?.string ?? "?" },
                layers.enumerated().map { $1["config"]?["name"]?.string ?? "layer_\($0)" })
    }
}
