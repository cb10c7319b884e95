import SeqNN
import SeqNNFile

/// `seqinspect diff A B`: architecture, layer configs, training config and weights, compared by position
/// (as Keras's loader matches layers and weights), with the max abs difference per weight tensor.
struct DiffResult {
    struct TensorDiff {
        var label: String
        var pathA: String?
        var pathB: String?
        var shapeA: [Int]?
        var shapeB: [Int]?
        var maxAbsDiff: Double?
        var same: Bool
        var note: String?
    }

    var architecture: [String] = []
    var configs: [String] = []
    var training: [String] = []
    var tensors: [TensorDiff] = []
    var tolerance: Double
    var differences: Int {
        architecture.count + configs.count + training.count + tensors.filter { !$0.same }.count
    }

    func text(_ a: ModelReport, _ b: ModelReport, pathA: String, pathB: String) -> String {
        var out = "A: \(pathA) (\(a.dialect.label), \(a.writerDescription))\n"
        out += "B: \(pathB) (\(b.dialect.label), \(b.writerDescription))\n\n"
        func section(_ title: String, _ lines: [String], same: String) {
            out += lines.isEmpty ? "\(title): same (\(same))\n" : "\(title): \(lines.count) difference\(lines.count == 1 ? "" : "s")\n"
            for l in lines { out += "  \(l)\n" }
        }
        section("Architecture", architecture, same: "\(a.layers.count) layers, \(a.totalParams) params")
        section("Layer configs", configs, same: "every layer")
        section("Training config", training, same: a.training == nil ? "none in either" : "optimizer, hyperparameters, loss, metrics")
        let differing = tensors.filter { !$0.same }.count
        let tol = tolerance == 0 ? "exact" : "tolerance \(Format.number(tolerance))"
        out += "Weights: \(tensors.count) tensors compared, " + (differing == 0 ? "all equal (\(tol))\n" : "\(differing) differ (\(tol))\n")
        let w = tensors.map(\.label.count).max() ?? 0
        for t in tensors {
            var line = "  " + Format.pad(t.label, w) + "  "
            if let note = t.note { line += note } else {
                line += Format.pad(Shapes.describe(t.shapeA ?? []), 12) + " max abs diff " + (t.maxAbsDiff.map { Format.c("%.6g", $0) } ?? "nan")
            }
            out += line + (t.same ? "" : "  *") + "\n"
        }
        out += differences == 0 ? "\nResult: no differences\n" : "\nResult: \(differences) difference\(differences == 1 ? "" : "s")\n"
        return out
    }

    func json(pathA: String, pathB: String) -> JSON {
        func s(_ a: [String]) -> JSON { .array(a.map { .string($0) }) }
        return .object([
            ("seqinspect_schema", .number(Double(JSONView.schemaVersion))),
            ("a", .string(pathA)), ("b", .string(pathB)),
            ("identical", .bool(differences == 0)), ("differences", .number(Double(differences))),
            ("tolerance", .number(tolerance)),
            ("architecture", s(architecture)), ("layer_configs", s(configs)), ("training_config", s(training)),
            ("weights", .array(tensors.map { t in
                .object([("label", .string(t.label)), ("path_a", JSONView.opt(t.pathA)), ("path_b", JSONView.opt(t.pathB)),
                         ("shape_a", t.shapeA.map(JSONView.ints) ?? .null), ("shape_b", t.shapeB.map(JSONView.ints) ?? .null),
                         ("max_abs_diff", JSONView.num(t.maxAbsDiff)), ("same", .bool(t.same)), ("note", JSONView.opt(t.note))])
            })),
        ])
    }
}

enum Diff {
    static func run(_ a: ModelReport, _ b: ModelReport, tolerance: Double) throws -> DiffResult {
        var d = DiffResult(tolerance: tolerance)
        // Architecture.
        if a.modelClass != b.modelClass { d.architecture.append("model class: \(a.modelClass) vs \(b.modelClass)") }
        let inA = Shapes.describe(batch: a.batchSize, a.inputShape), inB = Shapes.describe(batch: b.batchSize, b.inputShape)
        if inA != inB { d.architecture.append("input shape: \(inA) vs \(inB)") }
        if a.layers.count != b.layers.count { d.architecture.append("layer count: \(a.layers.count) vs \(b.layers.count)") }
        for i in 0..<max(a.layers.count, b.layers.count) {
            guard i < a.layers.count, i < b.layers.count else {
                let l = i < a.layers.count ? a.layers[i] : b.layers[i]
                d.architecture.append("layer \(i): \(l.name) (\(l.className)) only in \(i < a.layers.count ? "A" : "B")")
                continue
            }
            let x = a.layers[i], y = b.layers[i]
            var parts = [String]()
            if x.name != y.name { parts.append("name \(x.name) vs \(y.name)") }
            if x.className != y.className { parts.append("class \(x.className) vs \(y.className)") }
            let sx = Shapes.describe(batch: a.batchSize, x.outputShape), sy = Shapes.describe(batch: b.batchSize, y.outputShape)
            if sx != sy { parts.append("output shape \(sx) vs \(sy)") }
            if (x.activation ?? "") != (y.activation ?? "") { parts.append("activation \(x.activation ?? "none") vs \(y.activation ?? "none")") }
            if x.params != y.params { parts.append("params \(x.params) vs \(y.params)") }
            if x.trainable != y.trainable { parts.append("trainable \(x.trainable) vs \(y.trainable)") }
            if !parts.isEmpty { d.architecture.append("layer \(i) \(x.name): " + parts.joined(separator: ", ")) }
            if x.className == y.className {
                for (k, va, vb) in configDifferences(x, y) { d.configs.append("layer \(i) \(x.name): \(k): \(va) vs \(vb)") }
            }
        }
        // Training config.
        switch (a.training, b.training) {
        case (nil, nil): break
        case (nil, _): d.training.append("training config only in B")
        case (_, nil): d.training.append("training config only in A")
        case let (ta?, tb?):
            if ta.optimizerClass != tb.optimizerClass {
                d.training.append("optimizer: \(ta.optimizerClass ?? "none") vs \(tb.optimizerClass ?? "none")")
            } else {
                let ca = canonicalOptimizer(ta.optimizerClass, ta.optimizerConfig), cb = canonicalOptimizer(tb.optimizerClass, tb.optimizerConfig)
                for (k, va, vb) in objectDifferences(ca, cb, ignore: ["name"]) {
                    d.training.append("optimizer \(k): \(va) vs \(vb)")
                }
            }
            if canonicalLoss(ta.loss) != canonicalLoss(tb.loss) { d.training.append("loss: \(ta.loss ?? "none") vs \(tb.loss ?? "none")") }
            if ta.metrics != tb.metrics {
                d.training.append("metrics: [\(ta.metrics.joined(separator: ", "))] vs [\(tb.metrics.joined(separator: ", "))]")
            }
        }
        if (a.optimizerState == nil) != (b.optimizerState == nil) {
            d.training.append("optimizer state: \(a.optimizerState == nil ? "absent" : "stored") vs \(b.optimizerState == nil ? "absent" : "stored")")
        }
        // Weights, layer by layer and weight by weight.
        for i in 0..<max(a.layers.count, b.layers.count) {
            let wa = i < a.layers.count ? a.layers[i].weights : [], wb = i < b.layers.count ? b.layers[i].weights : []
            let layer = i < a.layers.count ? a.layers[i].name : b.layers[i].name
            for k in 0..<max(wa.count, wb.count) {
                let x = k < wa.count ? wa[k] : nil, y = k < wb.count ? wb[k] : nil
                let label = "\(layer)/\(shortName((x ?? y)!.dataset.name))"
                var t = DiffResult.TensorDiff(label: label, pathA: x?.dataset.path, pathB: y?.dataset.path, shapeA: x?.dataset.shape,
                                              shapeB: y?.dataset.shape, maxAbsDiff: nil, same: false, note: nil)
                if let x, let y {
                    if x.dataset.shape != y.dataset.shape {
                        t.note = "shape \(Shapes.describe(x.dataset.shape)) vs \(Shapes.describe(y.dataset.shape))"
                    } else {
                        let va = try values(a, x.dataset.path), vb = try values(b, y.dataset.path)
                        var m = 0.0
                        for (p, q) in zip(va, vb) {
                            if p == q || (p.isNaN && q.isNaN) { continue }
                            let diff = abs(p - q)
                            m = diff.isNaN ? .nan : (m.isNaN ? m : max(m, diff))
                        }
                        t.maxAbsDiff = m
                        t.same = !m.isNaN && m <= tolerance
                    }
                } else {
                    t.note = "only in \(x == nil ? "B" : "A")"
                }
                d.tensors.append(t)
            }
        }
        return d
    }

    static func values(_ r: ModelReport, _ path: String) throws -> [Double] {
        do { return try r.file.values(at: path) } catch let e as SeqNNError { throw InspectError(.unreadable, e.message) }
    }

    /// "dense/kernel:0" -> "kernel", "sequential/lstm/lstm_cell/bias" -> "lstm_cell/bias".
    static func shortName(_ n: String) -> String {
        var parts = n.split(separator: "/").map(String.init)
        if var last = parts.last, let colon = last.lastIndex(of: ":") { last = String(last[..<colon]); parts[parts.count - 1] = last }
        if let cell = parts.firstIndex(where: { $0.hasSuffix("_cell") }) { return parts[cell...].joined(separator: "/") }
        return parts.last ?? n
    }

    /// Keys that only say how a layer gets its input (compared as the model's input shape instead).
    static let inputKeys: Set<String> = ["name", "batch_input_shape", "batch_shape", "input_shape", "batch_size", "input_length"]

    static func configDifferences(_ x: LayerInfo, _ y: LayerInfo) -> [(String, String, String)] {
        var ignore = inputKeys
        if x.className != "Embedding" { ignore.insert("input_dim") }
        return objectDifferences(canonicalLayer(x), canonicalLayer(y), ignore: ignore)
    }

    /// A layer config as SeqNN reads it, written back in one form, so the same layer spelled by Keras 3's
    /// `.keras` (initializer objects, every Keras 3 key) and by a portable `.h5` (names, fewer keys) compares
    /// equal. Configs SeqNN cannot read are compared as stored.
    static func canonicalLayer(_ l: LayerInfo) -> [(String, JSON)] {
        guard let layer = try? LayerRegistry.make(className: l.className, config: l.config), let pairs = layer.config().object else {
            return l.config.object ?? []
        }
        return pairs
    }

    /// A loss name as SeqNN resolves it ("mse" and "mean_squared_error" are one loss).
    static func canonicalLoss(_ name: String?) -> String? {
        guard let name, let loss = try? Losses.named(name) else { return name }
        return loss.name
    }

    /// An optimizer config as SeqNN reads it, written back in Keras 3's full form, so files that spell the same
    /// settings differently (a `.keras` archive's full config, a portable `.h5`'s short one) compare equal.
    /// Configs SeqNN cannot read are compared as stored.
    static func canonicalOptimizer(_ cls: String?, _ config: [(String, JSON)]) -> [(String, JSON)] {
        guard let cls, let opt = try? Optimizers.from(.object([("class_name", .string(cls)), ("config", .object(config))])),
              let pairs = opt.config()["config"]?.object else { return config }
        return pairs
    }

    /// Keys whose values differ after normalizing dialect spellings (DTypePolicy objects, `module` and
    /// `registered_name`, float32 values widened to double); a key absent on one side equals null.
    static func objectDifferences(_ a: [(String, JSON)], _ b: [(String, JSON)], ignore: Set<String>) -> [(String, String, String)] {
        var keys = [String]()
        for (k, _) in a + b where !keys.contains(k) && !ignore.contains(k) { keys.append(k) }
        var out = [(String, String, String)]()
        for k in keys {
            let va = normalize(a.first { $0.0 == k }?.1 ?? .null), vb = normalize(b.first { $0.0 == k }?.1 ?? .null)
            if va != vb { out.append((k, va, vb)) }
        }
        return out
    }

    static func normalize(_ j: JSON) -> String {
        switch j {
        case .object(let o):
            if j["class_name"]?.string == "DTypePolicy", let n = j["config"]?["name"]?.string { return n }
            let kept = o.filter { $0.0 != "module" && $0.0 != "registered_name" && !$0.1.isNull }
            // Initializers, regularizers, ...: {"class_name": X, "config": {}} reads as X.
            if let cls = j["class_name"]?.string, kept.count <= 2, (j["config"]?.object?.allSatisfy { $0.1.isNull } ?? true) { return cls }
            return "{" + kept.map { "\($0.0): \(normalize($0.1))" }.joined(separator: ", ") + "}"
        case .array(let a): return "[" + a.map(normalize).joined(separator: ", ") + "]"
        default: return Format.json(j)
        }
    }
}
