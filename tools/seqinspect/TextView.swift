import SeqNN

/// The default view: file facts, the summary table, the training config and the stored history.
enum TextView {
    static func render(_ r: ModelReport, displayPath: String) -> String {
        var out = facts(r, displayPath: displayPath) + "\n"
        out += summary(r) + "\n"
        out += training(r) + "\n"
        out += history(r)
        if !r.problems.isEmpty {
            out += "\nProblems found\n" + r.problems.map { "  - \($0.message)\n" }.joined()
        }
        return out
    }

    static func facts(_ r: ModelReport, displayPath: String) -> String {
        var out = "File:     \(displayPath) (\(Format.fileSize(r.fileSize)))\n"
        var fmt = "\(r.dialect.label) " + ["legacy": "legacy HDF5", "archive": ".keras archive", "weights": "weights file (.weights.h5)"][r.file.layout.rawValue]!
        if r.dialectGuessed { fmt += " (guessed from the config: the file has no keras_version)" }
        out += "Format:   \(fmt)\n"
        out += "Writer:   \(r.writerDescription)\n"
        out += "Backend:  \(r.backend ?? "(not recorded)")\n"
        out += "Model:    \(r.modelClass) \"\(r.modelName)\", input \(Shapes.describe(batch: r.batchSize, r.inputShape)), output \(Shapes.describe(batch: r.batchSize, r.outputShape))\n"
        if r.hasTestBatch { out += "Test batch: stored (seqnn_test_batch); --verify runs it\n" }
        return out
    }

    /// Keras's `model.summary()` table with an activation column; `*` marks layers SeqNN cannot run yet.
    static func summary(_ r: ModelReport) -> String {
        let rows = r.layers.map { l -> [String] in
            ["\(l.name) (\(l.className))" + (l.seqnnCanRun ? "" : "*"), Shapes.describe(batch: r.batchSize, l.outputShape),
             l.activation ?? "", l.paramsSource == "unknown" ? "?" : String(l.params)]
        }
        let heads = ["Layer (type)", "Output Shape", "Activation", "Param #"]
        var widths = [28, 24, 12, 9]
        for row in rows + [heads] { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count + 2) } }
        func line(_ cells: [String]) -> String {
            " " + Format.pad(cells[0], widths[0]) + Format.pad(cells[1], widths[1]) + Format.pad(cells[2], widths[2])
                + Format.lpad(cells[3], widths[3] - 1)
        }
        let total = widths.reduce(1, +)
        let rule = String(repeating: "_", count: total), double = String(repeating: "=", count: total)
        var out = "Model: \"\(r.modelName)\"\n\(rule)\n\(line(heads))\n\(double)\n"
        for (i, row) in rows.enumerated() {
            out += line(row) + "\n"
            if i < rows.count - 1 { out += "\n" }
        }
        out += "\(double)\n"
        out += "Total params: \(r.totalParams) (\(Format.memory(r.totalParams * 4)))\n"
        out += "Trainable params: \(r.trainableParams) (\(Format.memory(r.trainableParams * 4)))\n"
        out += "Non-trainable params: \(r.nonTrainableParams) (\(Format.memory(r.nonTrainableParams * 4)))\n"
        out += "\(rule)\n"
        if r.layers.contains(where: { $0.paramsSource == "config" }) {
            out += "Some layers have no stored weights; their counts are computed from the config.\n"
        }
        if r.seqnnCanRun {
            out += "SeqNN can run every layer of this model.\n"
        } else if r.modelClass != "Sequential" {
            out += "SeqNN cannot run this model: it runs Sequential models only.\n"
        } else {
            out += "* SeqNN cannot run these layers yet (inspection only):\n"
            for l in r.unsupportedLayers { out += "    \(l.name) (\(l.className)): \(l.seqnnProblem ?? "")\n" }
        }
        return out
    }

    static func training(_ r: ModelReport) -> String {
        guard let t = r.training else {
            var out = "Training config: none (never compiled, or saved with include_optimizer=False)\n"
            out += "Optimizer state: \(stateText(r.optimizerState))\n"
            return out
        }
        var out = "Training config\n"
        out += "  Optimizer: \(t.optimizerClass ?? "(none)")\n"
        let w = max(24, (t.optimizerConfig.map(\.0.count).max() ?? 0) + 2)
        for (k, v) in t.optimizerConfig { out += "    " + Format.pad(k, w) + Format.json(v) + "\n" }
        out += "  Loss: \(t.loss ?? "(none)")\n"
        out += "  Metrics: \(t.metrics.isEmpty ? "(none)" : t.metrics.joined(separator: ", "))\n"
        if !t.weightedMetrics.isEmpty { out += "  Weighted metrics: \(t.weightedMetrics.joined(separator: ", "))\n" }
        if let lw = t.lossWeights { out += "  Loss weights: \(Format.json(lw))\n" }
        out += "  Optimizer state: \(stateText(r.optimizerState))\n"
        return out
    }

    static func stateText(_ s: OptimizerStateInfo?) -> String {
        guard let s else { return "not stored" }
        let names = ["keras2": "Keras 2 layout (optimizer_weights)", "keras3": "Keras 3 layout (optimizer_weights)",
                     "seqnn": "SeqNN layout (seqnn_optimizer_state)"]
        let layout = s.layout.split(separator: "+").map { names[String($0)] ?? String($0) }.joined(separator: " and ")
        var out = "stored, \(layout): \(s.tensors) tensors, \(s.values) values"
        if let i = s.iterations { out += ", \(i) iterations" }
        return out
    }

    // MARK: History

    static func history(_ r: ModelReport) -> String {
        guard let h = r.history, !h.epochs.isEmpty else {
            let why = r.dialect == .seqnn ? "" : " (Keras does not store the training history in .h5 files)"
            return "Training history: none stored\(why)\n"
        }
        let first = (h.epochs.first ?? 0) + 1, last = (h.epochs.last ?? 0) + 1
        var out = "Training history: \(h.epochs.count) epoch\(h.epochs.count == 1 ? "" : "s") (\(first)-\(last))\n"
        for (key, values) in h.series { out += plot(key: key, values: values, epochs: h.epochs) }
        return out
    }

    /// A small text plot: one column per epoch (averaged into at most 60 columns), 5 rows from max to min.
    static func plot(key: String, values: [Double], epochs: [Int], height: Int = 5, maxWidth: Int = 60) -> String {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return "  \(key): no finite values\n" }
        let firstV = values.first(where: \.isFinite)!, lastV = values.last(where: \.isFinite)!
        let lowerIsBetter = ["loss", "error", "mae", "mse", "mape", "msle", "hinge", "crossentropy", "divergence", "logcosh", "poisson"]
            .contains { key.contains($0) }
        let best = lowerIsBetter ? lo : hi
        let bestEpoch = (epochs[values.firstIndex(of: best) ?? 0]) + 1
        var out = "  \(key): \(Format.stat(firstV)) -> \(Format.stat(lastV))  (\(lowerIsBetter ? "min" : "max") \(Format.stat(best)) at epoch \(bestEpoch))\n"
        // Columns: averages of consecutive epochs when there are more than maxWidth.
        let width = min(values.count, maxWidth)
        var cols = [Double]()
        for c in 0..<width {
            let a = c * values.count / width, b = max(a + 1, (c + 1) * values.count / width)
            let part = values[a..<b].filter(\.isFinite)
            cols.append(part.isEmpty ? .nan : part.reduce(0, +) / Double(part.count))
        }
        let rows = hi > lo ? height : 1
        let hiText = Format.stat(hi), loText = Format.stat(lo)
        let lw = max(hiText.count, loText.count)
        for row in 0..<rows {
            let label = row == 0 ? hiText : (row == rows - 1 ? loText : "")
            var line = "    " + Format.lpad(label, lw) + " |"
            for v in cols {
                guard v.isFinite else { line += " "; continue }
                let level = hi > lo ? Int(((hi - v) / (hi - lo) * Double(rows - 1)).rounded()) : 0
                line += level == row ? "*" : " "
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        out += "    " + String(repeating: " ", count: lw) + " +" + String(repeating: "-", count: cols.count) + "\n"
        let e0 = String((epochs.first ?? 0) + 1), e1 = String((epochs.last ?? 0) + 1)
        var axis = "    " + String(repeating: " ", count: lw) + "  " + e0
        if cols.count > 1 {
            let gap = max(1, cols.count - e0.count - e1.count)
            axis += String(repeating: " ", count: gap) + e1
        }
        out += axis + "  (epoch)\n"
        return out
    }
}
