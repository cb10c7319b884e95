import SeqNN

/// `--json`: one document (schema documented in tools/seqinspect/README.md, "JSON output").
enum JSONView {
    static let schemaVersion = 1

    static func shape(_ s: [Int?]?, batch: Int?) -> JSON {
        guard let s else { return .null }
        return .array(([batch] + s).map { $0.map { .number(Double($0)) } ?? .null })
    }

    static func ints(_ s: [Int]) -> JSON { .array(s.map { .number(Double($0)) }) }
    static func opt(_ s: String?) -> JSON { s.map { .string($0) } ?? .null }
    static func opt(_ i: Int?) -> JSON { i.map { .number(Double($0)) } ?? .null }
    static func num(_ d: Double?) -> JSON { d.map { .number($0) } ?? .null }
    static func strings(_ a: [String]) -> JSON { .array(a.map { .string($0) }) }

    static func document(_ r: ModelReport, displayPath: String, weights: (weights: [TensorReport], optimizer: [TensorReport])?,
                         verify: VerifyResult?) -> JSON {
        var pairs: [(String, JSON)] = [
            ("seqinspect_schema", .number(Double(schemaVersion))),
            ("file", file(r, displayPath: displayPath)),
            ("model", model(r)),
            ("total_params", .number(Double(r.totalParams))),
            ("trainable_params", .number(Double(r.trainableParams))),
            ("non_trainable_params", .number(Double(r.nonTrainableParams))),
            ("seqnn_can_run", .bool(r.seqnnCanRun)),
            ("unsupported_layers", .array(r.unsupportedLayers.map { l in
                .object([("name", .string(l.name)), ("class_name", .string(l.className)), ("reason", opt(l.seqnnProblem))])
            })),
            ("training_config", training(r)),
            ("optimizer_state", optimizerState(r.optimizerState)),
            ("history", history(r.history)),
            ("problems", .array(r.problems.map { .object([("message", .string($0.message)), ("broken", .bool($0.broken))]) })),
        ]
        if let w = weights {
            pairs.append(("weights", .array(w.weights.map(tensor))))
            pairs.append(("optimizer_weights", .array(w.optimizer.map(tensor))))
        }
        if let v = verify { pairs.append(("verify", v.json)) }
        return .object(pairs)
    }

    static func file(_ r: ModelReport, displayPath: String) -> JSON {
        .object([
            ("path", .string(displayPath)),
            ("size_bytes", .number(Double(r.fileSize))),
            ("dialect", .string(r.dialect.rawValue)),
            ("dialect_guessed", .bool(r.dialectGuessed)),
            ("writer", .string(r.dialect == .seqnn ? "SeqNN" : "Keras")),
            ("writer_version", opt(r.dialect == .seqnn ? r.seqnnVersion : r.kerasVersion)),
            ("keras_version", opt(r.kerasVersion)),
            ("backend", opt(r.backend)),
            ("seqnn_format_version", opt(r.seqnnFormatVersion.flatMap { Int($0) })),
            ("has_test_batch", .bool(r.hasTestBatch)),
        ])
    }

    static func model(_ r: ModelReport) -> JSON {
        .object([
            ("class_name", .string(r.modelClass)),
            ("name", .string(r.modelName)),
            ("input_shape", shape(r.inputShape, batch: r.batchSize)),
            ("output_shape", shape(r.outputShape, batch: r.batchSize)),
            ("layers", .array(r.layers.map { l in
                .object([
                    ("index", .number(Double(l.index))),
                    ("name", .string(l.name)),
                    ("class_name", .string(l.className)),
                    ("output_shape", shape(l.outputShape, batch: r.batchSize)),
                    ("activation", opt(l.activation)),
                    ("params", l.paramsSource == "unknown" ? .null : .number(Double(l.params))),
                    ("trainable_params", .number(Double(l.trainableParams))),
                    ("non_trainable_params", .number(Double(l.nonTrainableParams))),
                    ("params_source", .string(l.paramsSource)),
                    ("expected_params", opt(l.expectedParams)),
                    ("trainable", .bool(l.trainable)),
                    ("seqnn_can_run", .bool(l.seqnnCanRun)),
                    ("weights", .array(l.weights.map { w in
                        .object([("name", .string(w.dataset.name)), ("path", .string(w.dataset.path)), ("shape", ints(w.dataset.shape)),
                                 ("dtype", .string(w.dataset.dtype)), ("trainable", .bool(w.trainable))])
                    })),
                    ("config", l.config),
                ])
            })),
        ])
    }

    static func training(_ r: ModelReport) -> JSON {
        guard let t = r.training else { return .null }
        return .object([
            ("optimizer", .object([("class_name", opt(t.optimizerClass)), ("config", .object(t.optimizerConfig))])),
            ("loss", t.raw["loss"] ?? .null),
            ("loss_description", opt(t.loss)),
            ("metrics", strings(t.metrics)),
            ("weighted_metrics", strings(t.weightedMetrics)),
            ("loss_weights", t.lossWeights ?? .null),
            ("raw", t.raw),
        ])
    }

    static func optimizerState(_ s: OptimizerStateInfo?) -> JSON {
        guard let s else { return .object([("present", false)]) }
        return .object([("present", true), ("layout", .string(s.layout)), ("tensors", .number(Double(s.tensors))),
                        ("values", .number(Double(s.values))), ("iterations", opt(s.iterations))])
    }

    static func history(_ h: HistoryInfo?) -> JSON {
        guard let h else { return .null }
        return .object([("epochs", ints(h.epochs)),
                        ("metrics", .object(h.series.map { ($0.key, .array($0.values.map { .number($0) })) }))])
    }

    static func tensor(_ t: TensorReport) -> JSON {
        var pairs: [(String, JSON)] = [
            ("path", .string(t.path)), ("name", .string(t.name)), ("layer", opt(t.layer)), ("shape", ints(t.shape)),
            ("dtype", .string(t.dtype)), ("trainable", t.trainable.map { .bool($0) } ?? .null), ("count", .number(Double(t.stats.count))),
            ("min", num(t.stats.min)), ("max", num(t.stats.max)), ("mean", num(t.stats.mean)), ("std", num(t.stats.std)),
            ("nan", .number(Double(t.stats.nan))), ("inf", .number(Double(t.stats.inf))),
        ]
        if let v = t.values { pairs.append(("values", .array(v.map { .number($0) }))) }
        return .object(pairs)
    }

    // MARK: Pretty printing

    /// Indented JSON (2 spaces); arrays of scalars and short arrays stay on one line. Non-finite numbers,
    /// which JSON cannot express, are written as null.
    static func pretty(_ j: JSON) -> String {
        var out = ""
        write(j, indent: "", into: &out)
        return out + "\n"
    }

    static func isScalar(_ j: JSON) -> Bool {
        switch j {
        case .array, .object: return false
        default: return true
        }
    }

    static func compact(_ j: JSON) -> String {
        switch j {
        case .number(let n): return n.isFinite ? j.description : "null"
        case .array(let a): return "[" + a.map(compact).joined(separator: ", ") + "]"
        case .object(let o):
            return "{" + o.map { JSON.string($0.0).description + ": " + compact($0.1) }.joined(separator: ", ") + "}"
        default: return j.description
        }
    }

    static func write(_ j: JSON, indent: String, into out: inout String) {
        switch j {
        case .array(let a):
            let flat = a.allSatisfy { isScalar($0) || ($0.array?.allSatisfy(isScalar) ?? false) }
            if a.isEmpty || flat {
                out += compact(j)
                return
            }
            let inner = indent + "  "
            out += "[\n"
            for (i, v) in a.enumerated() {
                out += inner
                write(v, indent: inner, into: &out)
                out += i < a.count - 1 ? ",\n" : "\n"
            }
            out += indent + "]"
        case .object(let o):
            if o.isEmpty { out += "{}"; return }
            let inner = indent + "  "
            out += "{\n"
            for (i, (k, v)) in o.enumerated() {
                out += inner + JSON.string(k).description + ": "
                write(v, indent: inner, into: &out)
                out += i < o.count - 1 ? ",\n" : "\n"
            }
            out += indent + "}"
        default:
            out += compact(j)
        }
    }
}

/// `--dot`: the architecture as a Graphviz digraph, one record node per layer.
enum DotView {
    static func escape(_ s: String) -> String {
        var out = ""
        for ch in s {
            if "{}|<>\"\\".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    static func render(_ r: ModelReport, displayPath: String) -> String {
        var out = "// \(displayPath): \(r.modelClass) \"\(r.modelName)\", \(r.totalParams) params. Render: dot -Tpng -o model.png\n"
        out += "digraph \"\(escape(r.modelName))\" {\n"
        out += "  rankdir=TB;\n"
        out += "  node [shape=record, fontname=\"Helvetica\", fontsize=10];\n"
        out += "  input [label=\"{input|\(escape(Shapes.describe(batch: r.batchSize, r.inputShape)))}\", style=rounded];\n"
        var previous = "input"
        for l in r.layers {
            var fields = ["\(escape(l.name))", "\(escape(l.className))", escape(Shapes.describe(batch: r.batchSize, l.outputShape))]
            if let a = l.activation { fields.append("activation: \(escape(a))") }
            fields.append(l.paramsSource == "unknown" ? "? params" : "\(l.params) params")
            var attrs = "label=\"{" + fields.joined(separator: "|") + "}\""
            if !l.seqnnCanRun { attrs += ", style=dashed, tooltip=\"SeqNN cannot run this layer yet\"" }
            if !l.trainable { attrs += ", color=gray40" }
            let id = "L\(l.index)"
            out += "  \(id) [\(attrs)];\n"
            out += "  \(previous) -> \(id);\n"
            previous = id
        }
        out += "}\n"
        return out
    }
}
