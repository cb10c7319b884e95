import SeqNN

/// Output shapes and parameter counts computed from a Keras layer config alone, for the layers SeqNN cannot
/// build: classes it does not run (Conv3D, DepthwiseConv2D, PReLU, GaussianNoise, ...) and configs of its
/// classes that it refuses (channels_first, a normalization axis other than the last, a TimeDistributed
/// around something other than Dense, ...). Layers SeqNN can build get their shapes from SeqNN itself
/// (`LayerShapes`). Shapes are per sample (no batch axis); `nil` entries are Keras's `None`. Formulas follow
/// Keras's `compute_output_shape` and weight shapes (format §6; keras/src/ops/operation_utils.py for conv and
/// pooling arithmetic).
enum Shapes {
    struct Result {
        var output: [Int?]?
        var params: Int?
        /// The shapes of the layer's weights in Keras order, when known (checked against the stored ones).
        var weightShapes: [[Int]]? = nil
        /// Why the config cannot describe a working layer ("units must be a positive integer, found -3").
        var invalid: String? = nil
        /// The part of `params` Keras does not train (BatchNormalization's moving statistics), when known.
        var nonTrainable: Int? = nil
    }

    /// Infers one layer; `inner` infers the layer a Bidirectional or TimeDistributed wraps.
    typealias Inner = (_ className: String, _ config: JSON, _ input: [Int?]?) -> Result

    /// Keras rejects non-positive sizes; so does seqinspect, before doing arithmetic with them.
    static func positive(_ c: JSON, _ keys: [String]) -> String? {
        for k in keys {
            guard let v = c[k], !v.isNull else { continue }
            if v.number != nil {
                if let i = v.int, i > 0 { continue }
                return "\(k) must be a positive integer, found \(Format.json(v))"
            }
            if let list = v.intList {
                if list.contains(where: { ($0 ?? 1) <= 0 }) || (v.array != nil && list.isEmpty) {
                    return "\(k) must hold positive integers, found \(Format.json(v))"
                }
            } else {
                return "\(k) must be a positive integer, found \(Format.json(v))"
            }
        }
        return nil
    }

    /// Keras's own checks of the sizes in a config, before any arithmetic with them.
    static func validate(className: String, config c: JSON) -> String? {
        let checks: [String: [String]] = [
            "Dense": ["units"], "Embedding": ["input_dim", "output_dim"], "SimpleRNN": ["units"], "LSTM": ["units"], "GRU": ["units"],
            "RepeatVector": ["n"],
        ]
        var keys = checks[className] ?? []
        if className.contains("Conv") { keys += ["filters", "kernel_size", "strides", "dilation_rate", "depth_multiplier"] }
        if className.contains("Pool") && !className.hasPrefix("Global") { keys += ["pool_size", "strides"] }
        return positive(c, keys)
    }

    static func infer(className: String, config c: JSON, input: [Int?]?, inner: Inner? = nil) -> Result {
        if let bad = validate(className: className, config: c) { return Result(output: nil, params: nil, invalid: bad) }
        return inferChecked(className: className, config: c, input: input, inner: inner ?? { infer(className: $0, config: $1, input: $2) })
    }

    // MARK: Input declarations

    /// The batch input shape a layer config declares: `batch_input_shape` (K2) / `batch_shape` (K3), or
    /// `input_shape`/`shape` with `batch_size`, or `input_dim` (Embedding: `input_length`).
    static func declaredBatchShape(_ c: JSON, className: String) -> [Int?]? {
        if let b = c["batch_input_shape"]?.intList ?? c["batch_shape"]?.intList, !b.isEmpty { return b }
        let batch = c["batch_size"]?.int
        if let s = c["input_shape"]?.intList ?? c["shape"]?.intList { return [batch] + s }
        if className == "Embedding" {
            if let l = c["input_length"] { return [batch, l.int] }
            return nil
        }
        if let d = c["input_dim"]?.int { return [batch, d] }
        return nil
    }

    // MARK: Inference

    static let sameShape: Set<String> = [
        "Activation", "Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise", "SpatialDropout1D", "SpatialDropout2D",
        "SpatialDropout3D", "ActivityRegularization", "Masking", "ReLU", "LeakyReLU", "ELU", "Softmax", "ThresholdedReLU",
        "Identity", "UnitNormalization", "Rescaling", "RandomFlip", "RandomRotation", "RandomZoom", "RandomContrast",
        "RandomTranslation", "RandomBrightness",
    ]

    static func inferChecked(className: String, config c: JSON, input: [Int?]?, inner: Inner) -> Result {
        switch className {
        case _ where sameShape.contains(className):
            return Result(output: input, params: 0)
        case "EinsumDense":
            return Result(output: c["output_shape"]?.intList, params: nil)
        case "Flatten":
            // Reached for data_format channels_first, which SeqNN refuses; the flattened size is the same.
            guard let input else { return Result(output: nil, params: 0) }
            let known = input.compactMap { $0 }
            return Result(output: [known.count == input.count ? known.reduce(1, mul) : nil], params: 0)
        case "Conv1D", "Conv2D", "Conv3D", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
             "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose":
            return conv(className, c, input)
        case "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
             "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D":
            return pool(className, c, input)
        case "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalMaxPooling1D",
             "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D":
            guard let input, input.count >= 2 else { return Result(output: nil, params: 0) }
            let first = channelsFirst(c)
            let ch = first ? input[0] : input[input.count - 1]
            if c["keepdims"]?.bool == true {
                let ones = [Int?](repeating: 1, count: input.count - 1)
                return Result(output: first ? [ch] + ones : ones + [ch], params: 0)
            }
            return Result(output: [ch], params: 0)
        case "UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
             "Cropping1D", "Cropping2D", "Cropping3D":
            return resize(className, c, input)
        case "Bidirectional":
            guard let wrapped = c["layer"], let cls = wrapped["class_name"]?.string else { return Result(output: nil, params: nil) }
            let r = inner(cls, wrapped["config"] ?? .null, input)
            var out = r.output
            let mode = c["merge_mode"].map { $0.isNull ? "none" : ($0.string ?? "concat") } ?? "concat"
            if mode == "concat", let o = out, let last = o.last { out = Array(o.dropLast()) + [last.map { mul($0, 2) }] }
            if mode == "none" { out = nil }
            return Result(output: out, params: r.params.map { mul($0, 2) })
        case "TimeDistributed":
            guard let wrapped = c["layer"], let cls = wrapped["class_name"]?.string else { return Result(output: nil, params: nil) }
            let r = inner(cls, wrapped["config"] ?? .null, input.map { Array($0.dropFirst()) })
            return Result(output: r.output.flatMap { o in input.map { [$0.first ?? nil] + o } }, params: r.params)
        case "BatchNormalization", "LayerNormalization", "GroupNormalization", "Normalization":
            return normalization(className, c, input)
        case "PReLU":
            guard let input else { return Result(output: nil, params: nil) }
            let shared = Set((c["shared_axes"]?.intList ?? []).compactMap { $0 })
            let dims = input.enumerated().map { shared.contains($0.offset + 1) ? 1 : $0.element }
            return Result(output: input, params: dims.contains(where: { $0 == nil }) ? nil : dims.reduce(1) { mul($0, $1!) })
        case "Resizing", "CenterCrop":
            guard let input, input.count == 3 else { return Result(output: nil, params: 0) }
            let h = c["height"]?.int, w = c["width"]?.int
            return Result(output: channelsFirst(c) ? [input[0], h, w] : [h, w, input[2]], params: 0)
        default:
            return Result(output: nil, params: nil)
        }
    }

    /// Saturating arithmetic: a hostile config's sizes (up to 2^53, the largest integers JSON numbers hold
    /// exactly) must not trap; an absurd result is then visible as an absurd shape or count.
    static func mul(_ a: Int, _ b: Int) -> Int {
        let (p, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? ((a < 0) != (b < 0) ? Int.min : Int.max) : p
    }

    static func add(_ a: Int, _ b: Int) -> Int {
        let (r, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b < 0 ? Int.min : Int.max) : r
    }

    static func channelsFirst(_ c: JSON) -> Bool { c["data_format"]?.string == "channels_first" }

    /// An int or a list of ints as exactly `n` values (Keras's `kernel_size=3` means (3, 3) in Conv2D).
    static func ints(_ c: JSON, _ key: String, _ n: Int, default d: Int? = nil) -> [Int]? {
        guard let v = c[key], !v.isNull else { return d.map { [Int](repeating: $0, count: n) } }
        if let i = v.int { return [Int](repeating: i, count: n) }
        guard let list = v.intList, list.count == n, list.allSatisfy({ $0 != nil }) else { return nil }
        return list.map { $0! }
    }

    /// Splits a per-sample shape into spatial dims and channels for `rank` spatial axes.
    static func spatial(_ input: [Int?]?, rank: Int, _ c: JSON) -> (dims: [Int?], channels: Int?)? {
        guard let input, input.count == rank + 1 else { return nil }
        return channelsFirst(c) ? (Array(input.dropFirst()), input[0]) : (Array(input.dropLast()), input[rank])
    }

    static func assemble(_ dims: [Int?], _ channels: Int?, _ c: JSON) -> [Int?] {
        channelsFirst(c) ? [channels] + dims : dims + [channels]
    }

    /// Keras's conv/pool output length for one axis.
    static func outLength(_ n: Int?, kernel: Int, stride: Int, dilation: Int = 1, padding: String) -> Int? {
        guard let n, stride > 0 else { return nil }
        let k = add(mul(kernel - 1, dilation), 1)
        switch padding {
        case "same", "causal": return add(n, stride - 1) / stride
        default: return n >= k ? (n - k) / stride + 1 : 0
        }
    }

    static func conv(_ cls: String, _ c: JSON, _ input: [Int?]?) -> Result {
        let rank = cls.contains("1D") ? 1 : cls.contains("3D") ? 3 : 2
        let transpose = cls.hasSuffix("Transpose")
        let depthwise = cls.hasPrefix("Depthwise"), separable = cls.hasPrefix("Separable")
        guard let k = ints(c, "kernel_size", rank) else { return Result(output: nil, params: nil) }
        let strides = ints(c, "strides", rank, default: 1) ?? [Int](repeating: 1, count: rank)
        let dilation = ints(c, "dilation_rate", rank, default: 1) ?? [Int](repeating: 1, count: rank)
        let padding = c["padding"]?.string ?? "valid"
        let bias = c["use_bias"]?.bool ?? true
        let groups = c["groups"]?.int ?? 1
        let dm = c["depth_multiplier"]?.int ?? 1
        let filters = c["filters"]?.int
        guard let (dims, inCh) = spatial(input, rank: rank, c) else { return Result(output: nil, params: nil) }
        let outCh: Int? = depthwise ? inCh.map { mul($0, dm) } : filters
        var out = [Int?]()
        for i in 0..<rank {
            if transpose {
                let kk = add(mul(k[i] - 1, dilation[i]), 1)
                out.append(dims[i].map { padding == "same" ? mul($0, strides[i]) : add(mul($0 - 1, strides[i]), kk) })
            } else {
                out.append(outLength(dims[i], kernel: k[i], stride: strides[i], dilation: dilation[i], padding: padding))
            }
        }
        let kprod = k.reduce(1, mul)
        var params: Int?
        if let inCh {
            if depthwise {
                params = add(mul(mul(kprod, inCh), dm), bias ? mul(inCh, dm) : 0)
            } else if separable, let f = filters {
                params = add(add(mul(mul(kprod, inCh), dm), mul(mul(inCh, dm), f)), bias ? f : 0)
            } else if let f = filters, groups > 0 {
                params = add(mul(mul(kprod, transpose ? inCh : inCh / groups), f), bias ? f : 0)
                let kernel = transpose ? k + [f, inCh] : k + [inCh / groups, f]
                return Result(output: assemble(out, outCh, c), params: params, weightShapes: [kernel] + (bias ? [[f]] : []))
            }
        }
        return Result(output: assemble(out, outCh, c), params: params)
    }

    static func pool(_ cls: String, _ c: JSON, _ input: [Int?]?) -> Result {
        let rank = cls.contains("1D") ? 1 : cls.contains("3D") ? 3 : 2
        guard let size = ints(c, "pool_size", rank, default: 2) else { return Result(output: nil, params: 0) }
        let strides = ints(c, "strides", rank) ?? size
        let padding = c["padding"]?.string ?? "valid"
        guard let (dims, ch) = spatial(input, rank: rank, c) else { return Result(output: nil, params: 0) }
        let out = (0..<rank).map { outLength(dims[$0], kernel: size[$0], stride: strides[$0], padding: padding) }
        return Result(output: assemble(out, ch, c), params: 0)
    }

    static func resize(_ cls: String, _ c: JSON, _ input: [Int?]?) -> Result {
        let rank = cls.hasSuffix("1D") ? 1 : cls.hasSuffix("3D") ? 3 : 2
        // 1D layers are always (steps, channels), whatever data_format says.
        let cfg = rank == 1 ? c.setting("data_format", "channels_last") : c
        guard let (dims, ch) = spatial(input, rank: rank, cfg) else { return Result(output: nil, params: 0) }
        var out = dims
        if cls.hasPrefix("UpSampling") {
            guard let s = ints(c, rank == 1 ? "size" : "size", rank, default: 2) else { return Result(output: nil, params: 0) }
            out = (0..<rank).map { i in dims[i].map { mul($0, s[i]) } }
        } else {
            guard let pads = pairs(c[cls.hasPrefix("ZeroPadding") ? "padding" : "cropping"], rank) else { return Result(output: nil, params: 0) }
            let sign = cls.hasPrefix("ZeroPadding") ? 1 : -1
            out = (0..<rank).map { i in dims[i].map { add($0, sign * add(pads[i].0, pads[i].1)) } }
        }
        return Result(output: assemble(out, ch, cfg), params: 0)
    }

    /// Padding/cropping amounts: an int, a per-axis int list, or a list of (before, after) pairs.
    static func pairs(_ j: JSON?, _ rank: Int) -> [(Int, Int)]? {
        guard let j else { return [(Int, Int)](repeating: (1, 1), count: rank) }
        if let i = j.int { return [(Int, Int)](repeating: (i, i), count: rank) }
        guard let a = j.array else { return nil }
        if rank == 1, a.count == 2, let x = a[0].int, let y = a[1].int { return [(x, y)] }
        guard a.count == rank else { return nil }
        var out = [(Int, Int)]()
        for e in a {
            if let i = e.int { out.append((i, i)) } else if let p = e.intList, p.count == 2, let x = p[0], let y = p[1] {
                out.append((x, y))
            } else { return nil }
        }
        return out
    }

    static func normalization(_ cls: String, _ c: JSON, _ input: [Int?]?) -> Result {
        guard let input else { return Result(output: nil, params: nil) }
        let rank = input.count + 1
        var axes = c["axis"]?.intList?.compactMap { $0 } ?? [-1]
        if axes.isEmpty { axes = [-1] }
        let dims = axes.map { a -> Int? in
            let full = a < 0 ? a + rank : a
            return full >= 1 && full < rank ? input[full - 1] : nil
        }
        guard dims.allSatisfy({ $0 != nil }) else { return Result(output: input, params: nil) }
        let n = dims.reduce(1) { mul($0, $1!) }
        let center = c["center"]?.bool ?? true, scale = c["scale"]?.bool ?? true
        switch cls {
        case "BatchNormalization":
            let per = (scale ? 1 : 0) + (center ? 1 : 0) + 2
            let ws = dims.count == 1 ? [[Int]](repeating: [n], count: per) : nil
            return Result(output: input, params: mul(n, per), weightShapes: ws)
        case "LayerNormalization":
            let rms = c["rms_scaling"]?.bool ?? false
            return Result(output: input, params: n * ((center && !rms ? 1 : 0) + (scale ? 1 : 0)))
        case "GroupNormalization": return Result(output: input, params: n * ((center ? 1 : 0) + (scale ? 1 : 0)))
        default: return Result(output: input, params: 2 * n + 1)   // Normalization: mean, variance, count
        }
    }

    // MARK: Trainability and activations

    /// Keras's non-trainable variables among layer weights: BatchNormalization's moving statistics and the
    /// Normalization layer's adapted mean/variance/count. Everything else in a trainable layer is trainable.
    static func isNonTrainableWeight(_ weightName: String, className: String) -> Bool {
        var last = String(weightName.split(separator: "/").last ?? "")
        if let colon = last.lastIndex(of: ":") { last = String(last[..<colon]) }
        if last == "moving_mean" || last == "moving_variance" { return true }
        if className == "Normalization", ["mean", "variance", "count"].contains(last) { return true }
        return false
    }

    /// The non-trainable part of a computed parameter count (when no weights are stored).
    static func nonTrainableShare(className: String, config c: JSON, params: Int) -> Int {
        switch className {
        case "BatchNormalization":
            let per = (c["center"]?.bool ?? true ? 1 : 0) + (c["scale"]?.bool ?? true ? 1 : 0) + 2
            return params / per * 2
        case "Normalization": return params
        default: return 0
        }
    }

    static let activationLayers: [String: String] = [
        "ReLU": "relu", "LeakyReLU": "leaky_relu", "ELU": "elu", "Softmax": "softmax", "PReLU": "prelu",
        "ThresholdedReLU": "thresholded_relu",
    ]

    /// The activation a layer applies, as Keras names it, or nil for layers without one.
    static func activation(className: String, config c: JSON) -> String? {
        if let a = activationLayers[className] { return a }
        if className == "Bidirectional" || className == "TimeDistributed", let inner = c["layer"] {
            return activation(className: inner["class_name"]?.string ?? "", config: inner["config"] ?? .null)
        }
        guard let a = c["activation"], !a.isNull else { return nil }
        if let s = a.string { return s }
        return a["config"]?["name"]?.string ?? a["class_name"]?.string ?? a.description
    }

    // MARK: Text

    /// `(20, 16)`, `(3,)`, `()` for a scalar.
    static func describe(_ shape: [Int]) -> String {
        "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
    }

    /// Keras's output shape text with the batch axis: `(None, 16)`; `?` when unknown.
    static func describe(batch: Int?, _ shape: [Int?]?) -> String {
        guard let shape else { return "?" }
        let dims = [batch.map(String.init) ?? "None"] + shape.map { $0.map(String.init) ?? "None" }
        return "(" + dims.joined(separator: ", ") + (dims.count == 1 ? ",)" : ")")
    }
}
