import SeqNN

/// Optimizer state in model files: SeqNN's own group (exact round trip, Keras ignores it) and, as an
/// option, Keras 2's `optimizer_weights` layout (format §8), which tf_keras restores by position.
/// Keras 3 cannot train a model loaded from a file with `optimizer_weights` (format §8), so that layout is
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

    /// Restores state after `compile` from SeqNN's group, else from Keras's `optimizer_weights` (either
    /// generation); a file with neither starts with a fresh optimizer.
    static func read(into model: Sequential, from root: H5TreeGroup) throws {
        guard let opt = model.optimizer else { return }
        let params = model.trainableParameters
        if root.has(groupName) {
            let g = try root.group(groupName)
            let cls = try g.stringAttribute("class_name")
            guard cls == opt.kerasClassName else {
                throw SeqNNError(.format, "\(g.path) holds \(cls ?? "no") optimizer state; training_config names \(opt.kerasClassName)")
            }
            var slots = [[Tensor]]()
            for i in params.indices {
                slots.append(try opt.slotNames.map { name in
                    let a = try g.floats("slots/\(i)/\(name)")
                    try finite(a.values, g.child("slots/\(i)/\(name)"))
                    return Tensor(shape: a.shape, values: a.values)
                })
            }
            try opt.restore(iterations: Int(try g.int64("iterations")), slots: slots, for: params)
            var extra = [String: Float]()
            for k in opt.extraState.keys where g.has("extra/\(k)") {
                let v = try g.floats("extra/\(k)").values
                try finite(v, g.child("extra/\(k)"))
                extra[k] = v.first
            }
            opt.extraState = extra
        } else if root.has("optimizer_weights") {
            try readKeras(opt, params, try root.group("optimizer_weights"))
        }
    }

    /// NaN or Inf in optimizer state would turn every weight into NaN at the first step of a resumed fit:
    /// refused at load, naming the tensor, as non-finite weights are.
    static func finite(_ values: [Float], _ path: String) throws {
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw SeqNNError(.numeric, "optimizer state \(path) holds \(values[bad]) at index \(bad); optimizer state must be finite")
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

    /// Reads the `optimizer_weights` group of Keras 2 or Keras 3 files by position, as tf_keras does: the
    /// iteration counter, then the slot tensors in the order the optimizer's `build` created them, which is
    /// the same in both generations (only the names differ: `Adam/m/dense/kernel:0` vs
    /// `adam/sequential_dense_kernel_momentum`). Keras 3's learning-rate variable is skipped (the config has
    /// it) and Nadam's `u_product` is restored. Keras 3 itself restores none of this (format §8); SeqNN does.
    /// A layout that does not fit the model keeps a fresh optimizer, as tf_keras does, rather than failing.
    static func readKeras(_ opt: Optimizer, _ params: [Parameter], _ g: H5TreeGroup) throws {
        let names = try g.nameList("weight_names") ?? []
        var iterations = 0
        var tensors = [Tensor]()
        var extra = [String: Float]()
        for n in names {
            let last = n.split(separator: "/").last.map(String.init) ?? n
            if last.hasPrefix("iteration") { iterations = Int(try g.int64(n)); continue }
            if last.hasPrefix("learning_rate") { continue }
            let a = try g.floats(n)
            try finite(a.values, g.child(n))
            // Weights are never scalars; a scalar is an optimizer variable such as Nadam's u_product
            // (named "u_product" or, in Keras 3, "variable").
            if a.shape.isEmpty {
                if opt.extraState.keys.contains("u_product") { extra["u_product"] = a.values.first }
                continue
            }
            tensors.append(Tensor(shape: a.shape, values: a.values))
        }
        try restorePositional(opt, params, iterations: iterations, tensors: tensors, extra: extra)
    }

    /// Keras 3's own layout (`optimizer/vars/0...` of a `.keras` archive or `.weights.h5`, format §13): the
    /// iteration count, the learning rate when no schedule drives it (the config has it too), then the slots
    /// in build order; scalars after that are optimizer variables such as Nadam's u_product.
    static func readKeras3(into model: Sequential, from file: ModelFile) throws {
        guard let opt = model.optimizer else { return }
        var vars = try file.optimizerVariablesV3()
        guard let first = vars.first, first.count == 1 else { return }
        let iterations = try file.values(at: first.path, limit: 1)[0]
        guard iterations.isFinite, iterations >= 0, iterations < 9e15 else {
            throw SeqNNError(.format, "\(first.name) (the optimizer's iteration count) holds \(iterations)")
        }
        vars.removeFirst()
        if opt.schedule == nil, let lr = vars.first, lr.shape.isEmpty { vars.removeFirst() }
        var tensors = [Tensor](), extra = [String: Float]()
        for v in vars {
            let a = try file.root.floats(file.relative(v.path))
            try finite(a.values, v.path)
            if a.shape.isEmpty {
                if opt.extraState.keys.contains("u_product") { extra["u_product"] = a.values.first }
                continue
            }
            tensors.append(Tensor(shape: a.shape, values: a.values))
        }
        try restorePositional(opt, model.trainableParameters, iterations: Int(iterations), tensors: tensors, extra: extra)
    }

    /// Hands the slot tensors, in the optimizer's build order (`keras2Layout`), to their weights. A layout that
    /// does not fit the model keeps a fresh optimizer, as Keras does, rather than failing.
    static func restorePositional(_ opt: Optimizer, _ params: [Parameter], iterations: Int, tensors: [Tensor], extra: [String: Float]) throws {
        // tf_keras's SGD keeps momentum slots even at momentum 0, where SeqNN (like Keras 3) keeps none:
        // the iteration count still carries over.
        if opt.slotNames.isEmpty {
            try opt.restore(iterations: iterations, slots: params.map { _ in [] }, for: params)
            return
        }
        guard tensors.count == params.count * opt.slotNames.count else { return }
        var slots = params.map { _ in [Tensor?](repeating: nil, count: opt.slotNames.count) }
        var next = 0
        for group in keras2Layout(opt) {
            for i in params.indices {
                for (ours, _) in group {
                    slots[i][opt.slotNames.firstIndex(of: ours)!] = tensors[next]
                    next += 1
                }
            }
        }
        do {
            try opt.restore(iterations: iterations, slots: slots.map { $0.map { $0! } }, for: params)
            if !extra.isEmpty { opt.extraState = extra }
        } catch let e as SeqNNError where e.kind == .shapeMismatch {
            return   // another model's state: start fresh, as tf_keras does
        }
    }
}
