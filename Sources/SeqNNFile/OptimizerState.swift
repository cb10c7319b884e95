import SeqNN

/// Optimizer state in model files: SeqNN's own group (exact round trip, Keras ignores it) and, as an
/// option, Keras 2's `optimizer_weights` layout (spec §8), which tf_keras restores by position.
/// Keras 3 cannot train a model loaded from a file with `optimizer_weights` (spec §8), so that layout is
/// written only when asked for.
enum OptimizerState {
    static let groupName = "seqnn_optimizer_state"

    // MARK: SeqNN's group: iterations, extras, slots/<weight index>/<slot name>

    static func write(_ model: Sequential, to file: H5File) throws {
        guard let opt = model.optimizer else { return }
        let params = model.trainableParameters
        opt.buildSlots(params)
        let g = try file.root.createGroup(groupName)
        try g.setString("class_name", opt.kerasClassName)
        try g.writeInt64("iterations", Int64(opt.iterations))
        for (k, v) in opt.extraState.sorted(by: { $0.key < $1.key }) {
            try withUnsafePointer(to: v) { try g.writeFloats("extra/\(k)", shape: [], UnsafeBufferPointer(start: $0, count: 1)) }
        }
        for (i, slots) in opt.slots.enumerated() {
            for (name, t) in zip(opt.slotNames, slots) { try g.writeFloats("slots/\(i)/\(name)", t) }
        }
    }

    /// Restores state after `compile` from SeqNN's group, else from Keras 2's layout; a file with neither
    /// (or with Keras 3's layout, which Keras 3 itself does not restore) starts with a fresh optimizer.
    static func read(into model: Sequential, from file: H5File) throws {
        guard let opt = model.optimizer else { return }
        let params = model.trainableParameters
        if file.root.has(groupName) {
            let g = try file.root.group(groupName)
            let cls = try g.stringAttribute("class_name")
            guard cls == opt.kerasClassName else {
                throw SeqNNError(.format, "\(g.path) holds \(cls ?? "no") optimizer state; training_config names \(opt.kerasClassName)")
            }
            var slots = [[Tensor]]()
            for i in params.indices {
                slots.append(try opt.slotNames.map { name in
                    let a = try g.floats("slots/\(i)/\(name)")
                    return Tensor(shape: a.shape, values: a.values)
                })
            }
            try opt.restore(iterations: Int(try g.int64("iterations")), slots: slots, for: params)
            var extra = [String: Float]()
            for k in opt.extraState.keys where g.has("extra/\(k)") { extra[k] = try g.floats("extra/\(k)").values.first }
            opt.extraState = extra
        } else if file.root.has("optimizer_weights") {
            try readKeras2(opt, params, try file.root.group("optimizer_weights"))
        }
    }

    // MARK: Keras 2 layout: iteration:0, then <Class>/<slot>/<variable>:0 in tf_keras's creation order

    /// tf_keras's slot names for ours, and which slots its `build` creates in one loop over the variables
    /// (interleaved) versus in separate loops (grouped) — the order its positional loader expects.
    static func keras2Layout(_ opt: Optimizer) -> [[(ours: String, keras: String)]] {
        func k2(_ s: String) -> String {
            switch (opt.kerasClassName, s) {
            case ("RMSprop", _): return s
            case (_, "momentum"): return "m"
            case (_, "velocity"): return "v"
            case (_, "velocity_hat"): return "vhat"
            default: return s
            }
        }
        let names = opt.slotNames.map { ($0, k2($0)) }
        switch opt.kerasClassName {
        case "RMSprop": return names.map { [$0] }
        case "Adam", "AdamW": return [names.filter { $0.0 != "velocity_hat" }] + names.filter { $0.0 == "velocity_hat" }.map { [$0] }
        default: return names.isEmpty ? [] : [names]
        }
    }

    static func writeKeras2(_ model: Sequential, to file: H5File) throws {
        guard let opt = model.optimizer else { return }
        let params = model.trainableParameters
        opt.buildSlots(params)
        let g = try file.root.createGroup("optimizer_weights")
        var names = ["iteration:0"]
        try g.writeInt64("iteration:0", Int64(opt.iterations))
        let variables = model.layers.flatMap { l in l.parameters.filter(\.trainable).map { "\(l.name)/\($0.name)" } }
        for group in keras2Layout(opt) {
            for (i, v) in variables.enumerated() {
                for (ours, keras) in group {
                    let name = "\(opt.kerasClassName)/\(keras)/\(v):0"
                    try g.writeFloats(name, opt.slots[i][opt.slotNames.firstIndex(of: ours)!])
                    names.append(name)
                }
            }
        }
        try g.setNameList("weight_names", names)
    }

    /// Reads Keras 2's layout by slot name (the second path component) and variable order.
    static func readKeras2(_ opt: Optimizer, _ params: [Parameter], _ g: H5Group) throws {
        let names = try g.nameList("weight_names") ?? []
        var iterations = 0
        var bySlot = [String: [Tensor]]()
        for n in names {
            let parts = n.split(separator: "/")
            if parts.last?.hasPrefix("iteration") == true { iterations = Int(try g.int64(n)); continue }
            guard parts.count >= 3 else { continue }
            let a = try g.floats(n)
            bySlot[String(parts[1]), default: []].append(Tensor(shape: a.shape, values: a.values))
        }
        let layout = keras2Layout(opt).flatMap { $0 }
        var slots = params.map { _ in [Tensor]() }
        for name in opt.slotNames {
            let keras = layout.first { $0.ours == name }?.keras ?? name
            guard let list = bySlot[keras], list.count == params.count else {
                // Like tf_keras on a mismatch: keep a fresh optimizer rather than fail the load.
                return
            }
            for i in params.indices { slots[i].append(list[i]) }
        }
        try opt.restore(iterations: iterations, slots: slots, for: params)
    }
}
