import SeqNN

/// What a save refuses so that every file SeqNN writes is one SeqNN loads (issue 15, item 3): names a load
/// cannot map back (too long, a '/' that HDF5 reads as a path, control characters), numbers the configs
/// cannot carry (a learning rate of 1e308 is `inf` as float32 and would be written as Infinity), and
/// non-finite weights or optimizer state (a load refuses them, as a model trained into NaN cannot be resumed).
/// Checked before anything is assembled; the message names the layer, weight or config key.
package enum SaveCheck {
    /// Far beyond any real layer name (Keras fixtures reach 5,900 bytes), far below what costs memory.
    package static let maxNameBytes = 65_536

    static func validate(_ model: Sequential, includeOptimizer: Bool) throws {
        try checkName(model.name, what: "the model's name")
        for (i, layer) in model.layers.enumerated() {
            try checkName(layer.name, what: "the name of layer #\(i)")
            for p in layer.parameters {
                try checkFinite(p.value, "weight \(p.name) of layer #\(i) (\(layer.name))")
            }
        }
        try checkFinite(model.config(), path: "model_config")
        guard includeOptimizer, let opt = model.optimizer, let t = model.trainingConfig() else { return }
        try checkFinite(t, path: "training_config")
        guard opt.learningRate.isFinite else {
            throw SeqNNError(.numeric, "save: the optimizer's learning rate is \(opt.learningRate); a file holding it would not load")
        }
        let params = model.trainableParameters
        for (i, slots) in opt.slots.enumerated() {
            for (j, s) in slots.enumerated() {
                let owner = i < params.count ? "weight \(params[i].name)" : "weight #\(i)"
                try checkFinite(s, "optimizer state '\(j < opt.slotNames.count ? opt.slotNames[j] : String(j))' of \(owner) (trainable weight #\(i))")
            }
        }
        for (k, v) in opt.extraState where !v.isFinite {
            throw SeqNNError(.numeric, "save: the optimizer's \(k) is \(v); a file holding it would not load")
        }
    }

    /// Why `name` cannot be saved, or nil. Shared with loads so both sides agree.
    package static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.utf8.count > maxNameBytes { return "it is \(name.utf8.count) bytes long; names are limited to \(maxNameBytes)" }
        if name.contains("/") { return "it contains '/', which HDF5 reads as a path separator (Keras 3 refuses such names too)" }
        // HDF5 reads "." as the group itself; ".." is an ordinary name to it (and round-trips).
        if name == "." { return "'.' names the group itself in HDF5" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) { return "it contains a control character" }
        return nil
    }

    static func checkName(_ name: String, what: String) throws {
        if let why = nameProblem(name) {
            throw SeqNNError(.invalidArgument, "save: \(what) ('\(name.prefix(60))\(name.count > 60 ? "..." : "")') cannot be saved: \(why)")
        }
    }

    static func checkFinite(_ t: Tensor, _ what: String) throws {
        let values = UnsafeBufferPointer(start: t.data, count: t.count)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw SeqNNError(.numeric, "save: \(what) holds \(values[bad]) at index \(bad); a file holding it would not load (weights must be finite)")
        }
    }

    /// Every number in a config must be finite: JSON has no NaN or Infinity (Python writes them, SeqNN reads
    /// them, but they mean a value that cannot be used: an infinite learning rate, a NaN clip value).
    static func checkFinite(_ json: JSON, path: String) throws {
        switch json {
        case .number(let n), .real(let n):
            guard n.isFinite else {
                throw SeqNNError(.numeric, "save: \(path) is \(n); a config value must be finite (a float32 option set beyond 3.4e38 becomes inf)")
            }
        case .array(let items):
            for (i, v) in items.enumerated() { try checkFinite(v, path: "\(path)[\(i)]") }
        case .object(let pairs):
            for (k, v) in pairs { try checkFinite(v, path: "\(path).\(k)") }
        default: break
        }
    }
}
