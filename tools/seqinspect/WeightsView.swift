import SeqNN
import SeqNNFile

/// Per-tensor statistics. min/max/mean/std are over the finite values only (numpy would give nan as soon
/// as one value is NaN); the NaN and Inf counts say how many were left out. std is the population std
/// (numpy's default ddof=0). All nil for a tensor without finite values.
struct TensorStats {
    var count: Int
    var min: Double?
    var max: Double?
    var mean: Double?
    var std: Double?
    var nan: Int
    var inf: Int

    init(_ v: [Double]) {
        count = v.count
        var n = 0, nanCount = 0, infCount = 0
        var lo = Double.infinity, hi = -Double.infinity, sum = 0.0
        for x in v {
            if x.isNaN { nanCount += 1; continue }
            if x.isInfinite { infCount += 1; continue }
            n += 1
            lo = Swift.min(lo, x)
            hi = Swift.max(hi, x)
            sum += x
        }
        nan = nanCount
        inf = infCount
        guard n > 0 else { min = nil; max = nil; mean = nil; std = nil; return }
        let m = sum / Double(n)
        var ss = 0.0
        for x in v where x.isFinite { ss += (x - m) * (x - m) }
        min = lo
        max = hi
        mean = m
        std = (ss / Double(n)).squareRoot()
    }

    var allFinite: Bool { nan == 0 && inf == 0 }
}

/// One tensor with its statistics (and values when asked for).
struct TensorReport {
    var path: String
    var name: String
    var layer: String?
    var shape: [Int]
    var dtype: String
    var trainable: Bool?
    var stats: TensorStats
    var values: [Double]?
}

enum WeightsView {
    /// Reads every model weight (and every optimizer tensor when `optimizer`) and computes its statistics.
    static func collect(_ r: ModelReport, keepValues: Bool, optimizer: Bool = true) throws -> (weights: [TensorReport], optimizer: [TensorReport]) {
        func read(_ d: ModelFile.Dataset, layer: String?, trainable: Bool?) throws -> TensorReport {
            let v: [Double]
            do { v = try r.file.values(at: d.path) } catch let e as SeqNNError {
                throw InspectError(.broken, e.message)
            }
            return TensorReport(path: d.path, name: d.name, layer: layer, shape: d.shape, dtype: d.dtype, trainable: trainable,
                                stats: TensorStats(v), values: keepValues ? v : nil)
        }
        let w = try r.allWeights.map { try read($0.dataset, layer: $0.layer, trainable: $0.trainable) }
        var o = [TensorReport]()
        if optimizer {
            let list: [ModelFile.Dataset]
            do { list = try r.file.optimizerDatasets() } catch let e as SeqNNError { throw InspectError(.broken, e.message) }
            o = try list.map { try read($0, layer: nil, trainable: nil) }
        }
        return (w, o)
    }

    static func render(_ r: ModelReport, weights: [TensorReport], optimizer: [TensorReport], displayPath: String,
                       values: Bool, full: Bool, precision: Int) -> String {
        var out = "File:     \(displayPath) (\(Format.fileSize(r.fileSize)))\n"
        out += "Weights:  \(weights.count) tensors, \(weights.reduce(0) { $0 + $1.stats.count }) values"
        out += " (total params \(r.totalParams), trainable \(r.trainableParams), non-trainable \(r.nonTrainableParams))\n\n"
        out += table(weights, trainableColumn: true)
        if !optimizer.isEmpty {
            out += "\nOptimizer state: \(optimizer.count) tensors, \(optimizer.reduce(0) { $0 + $1.stats.count }) values\n\n"
            out += table(optimizer, trainableColumn: false)
        }
        let bad = (weights + optimizer).filter { !$0.stats.allFinite }
        if !bad.isEmpty {
            out += "\nNon-finite values in \(bad.count) tensor\(bad.count == 1 ? "" : "s"): "
            out += bad.map { "\($0.path) (\($0.stats.nan) NaN, \($0.stats.inf) Inf)" }.joined(separator: ", ") + "\n"
        }
        if values {
            for t in weights + optimizer {
                out += "\n\(t.path)  \(Shapes.describe(t.shape)) \(t.dtype)\n"
                out += NumpyFormat.repr(t.values ?? [], shape: t.shape, dtype: t.dtype, precision: precision, summarize: !full) + "\n"
            }
        }
        return out
    }

    static func table(_ ts: [TensorReport], trainableColumn: Bool) -> String {
        guard !ts.isEmpty else { return "  (none)\n" }
        var heads = ["path", "shape", "dtype"]
        if trainableColumn { heads.append("trainable") }
        heads += ["min", "max", "mean", "std", "NaN", "Inf"]
        let rows = ts.map { t -> [String] in
            var row = [t.path, Shapes.describe(t.shape), t.dtype]
            if trainableColumn { row.append(t.trainable == false ? "no" : "yes") }
            let s = t.stats
            row += [s.min, s.max, s.mean, s.std].map { $0.map(Format.stat) ?? "-" } + [String(s.nan), String(s.inf)]
            return row
        }
        var widths = heads.map(\.count)
        for row in rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        let numericFrom = trainableColumn ? 4 : 3
        func line(_ cells: [String]) -> String {
            var s = ""
            for (i, c) in cells.enumerated() {
                s += (i == 0 ? " " : "  ") + (i >= numericFrom ? Format.lpad(c, widths[i]) : Format.pad(c, widths[i]))
            }
            while s.hasSuffix(" ") { s.removeLast() }
            return s
        }
        return ([line(heads)] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}

/// numpy's `repr` of an array, closely: a common element format for the whole array, rows wrapped at 75
/// columns, and large arrays (more than 1000 elements) summarized with 3 edge items per axis and `...`.
enum NumpyFormat {
    static let threshold = 1000, edgeItems = 3, lineWidth = 75

    static func repr(_ v: [Double], shape: [Int], dtype: String, precision: Int, summarize: Bool) -> String {
        let isInt = dtype.hasPrefix("int") || dtype.hasPrefix("uint")
        let summarizing = summarize && v.count > threshold
        // The elements that will be shown decide the format, as in numpy.
        let shown = summarizing ? shownIndices(shape) : Array(v.indices)
        let fmt = ElementFormat(shown.map { v[$0] }, isInt: isInt, precision: precision)
        let suffix = dtype == "float64" || dtype == "int64" ? ")" : ", dtype=\(dtype))"
        if shape.isEmpty { return "array(\(fmt.format(v.first ?? 0))\(suffix)" }
        if v.isEmpty { return "array([]\(dtype == "float64" ? "" : ", shape=\(Shapes.describe(shape))")\(suffix)" }
        let prefix = "array("
        let body = block(v, shape: shape, offset: 0, axis: 0, fmt: fmt, indent: String(repeating: " ", count: prefix.count + 1),
                         summarizing: summarizing)
        return prefix + body + suffix
    }

    /// Flat indices of the elements shown when summarizing.
    static func shownIndices(_ shape: [Int]) -> [Int] {
        var out = [Int]()
        func walk(_ axis: Int, _ offset: Int) {
            if axis == shape.count { out.append(offset); return }
            let stride = shape[(axis + 1)...].reduce(1, *)
            for i in axisIndices(shape[axis], summarizing: true) { walk(axis + 1, offset + i * stride) }
        }
        walk(0, 0)
        return out
    }

    static func axisIndices(_ n: Int, summarizing: Bool) -> [Int] {
        summarizing && n > 2 * edgeItems ? Array(0..<edgeItems) + Array((n - edgeItems)..<n) : Array(0..<n)
    }

    static func block(_ v: [Double], shape: [Int], offset: Int, axis: Int, fmt: ElementFormat, indent: String, summarizing: Bool) -> String {
        let n = shape[axis]
        let stride = shape[(axis + 1)...].reduce(1, *)
        let idx = axisIndices(n, summarizing: summarizing)
        let cut = summarizing && n > 2 * edgeItems
        if axis == shape.count - 1 {
            var items = idx.map { fmt.format(v[offset + $0]) }
            if cut { items.insert("...", at: edgeItems) }
            // Wrap like numpy: fill lines up to lineWidth.
            // The first line starts where this block's "[" stands: one column left of `indent`.
            var lines = [String](), line = "[", start = indent.count - 1
            for (k, item) in items.enumerated() {
                let piece = item + (k < items.count - 1 ? "," : "")
                if start + line.count + 1 + piece.count > lineWidth - 1, line != "[" {
                    lines.append(line)
                    line = indent + piece
                    start = 0
                } else {
                    line += (line == "[" ? "" : " ") + piece
                }
            }
            lines.append(line + "]")
            return lines.joined(separator: "\n")
        }
        let sep = ",\n" + String(repeating: "\n", count: shape.count - axis - 2) + indent
        var parts = idx.map { block(v, shape: shape, offset: offset + $0 * stride, axis: axis + 1, fmt: fmt, indent: indent + " ", summarizing: summarizing) }
        if cut { parts.insert("...", at: edgeItems) }
        return "[" + parts.joined(separator: sep) + "]"
    }

    /// One format for all elements: integers, fixed point with trailing zeros trimmed to what the array
    /// needs, or scientific when values are very large or very small; padded to a common width.
    struct ElementFormat {
        var isInt: Bool
        var scientific: Bool
        var decimals: Int
        var width: Int

        init(_ shown: [Double], isInt: Bool, precision: Int) {
            self.isInt = isInt
            let finite = shown.filter(\.isFinite)
            let maxAbs = finite.map { abs($0) }.max() ?? 0
            let minAbs = finite.filter { $0 != 0 }.map { abs($0) }.min() ?? 0
            scientific = !isInt && (maxAbs >= 1e8 || (minAbs > 0 && minAbs < 1e-4) || (minAbs > 0 && maxAbs / minAbs > 1e3 && minAbs < 1e-3))
            let p = max(0, precision)
            if isInt || scientific {
                decimals = p
            } else {
                // The fewest decimals (at least 1) that show every value as it would be at `precision`.
                var need = 1
                for x in finite {
                    let s = Format.c("%.*f", Int32(p), x)
                    if let dot = s.firstIndex(of: ".") {
                        let frac = s[s.index(after: dot)...].reversed().drop { $0 == "0" }
                        need = max(need, frac.count)
                    }
                }
                decimals = min(need, p == 0 ? 1 : p)
            }
            width = 0
            width = shown.map { raw($0).count }.max() ?? 1
        }

        func raw(_ x: Double) -> String {
            if x.isNaN { return "nan" }
            if x.isInfinite { return x > 0 ? "inf" : "-inf" }
            if isInt { return String(Int(x)) }
            if scientific { return Format.c("%.*e", Int32(decimals), x) }
            return Format.c("%.*f", Int32(decimals), x)
        }

        func format(_ x: Double) -> String { Format.lpad(raw(x), width) }
    }
}
