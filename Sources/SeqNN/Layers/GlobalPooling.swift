/// Global max or average pooling (`GlobalMaxPooling1D/2D`, `GlobalAveragePooling1D/2D`): one value per
/// channel over all steps (1-D) or all rows and columns (2-D), channels_last.
///
/// Output [batch, channels], or with keepdims [batch, 1, channels] / [batch, 1, 1, channels].
/// The gradient of a maximum is shared equally by tied maximal elements, as TensorFlow's reduce_max
/// gradient does (unlike MaxPooling, whose gradient goes to the first maximum).
package class BaseGlobalPooling: Layer, @unchecked Sendable {
    package let kind: BasePooling.Kind
    package let rank: Int
    package let keepdims: Bool

    init(kind: BasePooling.Kind, rank: Int, keepdims: Bool, name: String) {
        self.kind = kind
        self.rank = rank
        self.keepdims = keepdims
        super.init(name: name)
    }

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        let (_, _, c) = try spatialDims(inputShape, rank: rank, label: "\(kerasClassName) '\(name)'")
        channelShape = [c]
        return keepdims ? Array(repeating: 1, count: rank) + [c] : [c]
    }

    private var channelShape: [Int] = []

    // x: [N, S, C] (S = all spatial positions) -> y: [N, C]
    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        guard let outShape = outputShape, let c = channelShape.first else { return }
        let n = x.rows, s = x.rowLength / c
        state.output.resize(batch: n, rest: outShape)
        if kind == .average, let m = state.inputMask { return maskedAverage(x, m, state, steps: s, channels: c) }
        for b in 0..<n {
            let xs = x.data + b * s * c, o = state.output.data + b * c
            o.update(from: xs, count: c)
            if kind == .max {
                for p in 1..<max(s, 1) { let q = xs + p * c; for i in 0..<c where q[i] > o[i] { o[i] = q[i] } }
            } else {
                for p in 1..<max(s, 1) { let q = xs + p * c; for i in 0..<c { o[i] += q[i] } }
                let inv = 1 / Float(s)
                for i in 0..<c { o[i] *= inv }
            }
        }
    }

    /// Keras 3's GlobalAveragePooling1D with a mask: sum(where(mask, x, 0)) / sum(mask) over the steps, so
    /// only unmasked steps count (a fully masked row is 0/0 = NaN, as in Keras).
    func maskedAverage(_ x: Tensor, _ mask: Tensor, _ state: LayerState, steps s: Int, channels c: Int) {
        for b in 0..<x.rows {
            let xs = x.data + b * s * c, o = state.output.data + b * c, m = mask.data + b * s
            o.update(repeating: 0, count: c)
            var kept: Float = 0
            for p in 0..<s where m[p] != 0 {
                kept += 1
                let q = xs + p * c
                for i in 0..<c { o[i] += q[i] }
            }
            for i in 0..<c { o[i] /= kept }
        }
    }

    /// Per channel, how many positions share the maximum (the gradient is split among them).
    enum Buffer: Int, BufferName { case winners }

    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard needInputGrad, let c = channelShape.first else { return }
        let n = x.rows, s = x.rowLength / c
        state.gradInput.resize(x.shape)
        let count = state.buffer(Buffer.winners)
        count.resize(channelShape)
        for b in 0..<n {
            let xs = x.data + b * s * c, dxs = state.gradInput.data + b * s * c, d = dy.data + b * c
            if kind == .average {
                if let mask = state.inputMask {   // dy / kept on unmasked steps, 0 on masked ones
                    let m = mask.data + b * s
                    var kept: Float = 0
                    for p in 0..<s where m[p] != 0 { kept += 1 }
                    for p in 0..<s { let q = dxs + p * c; for i in 0..<c { q[i] = m[p] != 0 ? d[i] / kept : 0 } }
                    continue
                }
                let inv = 1 / Float(s)
                for p in 0..<s { let q = dxs + p * c; for i in 0..<c { q[i] = d[i] * inv } }
                continue
            }
            let y = state.output.data + b * c
            count.fill(0)
            for p in 0..<s { let q = xs + p * c; for i in 0..<c where q[i] == y[i] { count.data[i] += 1 } }
            for p in 0..<s {
                let q = xs + p * c, g = dxs + p * c
                for i in 0..<c { g[i] = q[i] == y[i] ? d[i] / count.data[i] : 0 }
            }
        }
    }

    override package func layerConfig() -> [(String, JSON)] {
        [("data_format", "channels_last"), ("keepdims", .bool(keepdims))]
    }
}

/// `keras.layers.GlobalMaxPooling1D`: [batch, steps, channels] -> [batch, channels] (max over steps).
package final class GlobalMaxPooling1D: BaseGlobalPooling, @unchecked Sendable {
    override package class var kerasClassName: String { "GlobalMaxPooling1D" }
    package init(keepdims: Bool = false, name: String = "global_max_pooling1d") {
        super.init(kind: .max, rank: 1, keepdims: keepdims, name: name)
    }
}

/// `keras.layers.GlobalMaxPooling2D`: [batch, rows, cols, channels] -> [batch, channels].
package final class GlobalMaxPooling2D: BaseGlobalPooling, @unchecked Sendable {
    override package class var kerasClassName: String { "GlobalMaxPooling2D" }
    package init(keepdims: Bool = false, name: String = "global_max_pooling2d") {
        super.init(kind: .max, rank: 2, keepdims: keepdims, name: name)
    }
}

/// `keras.layers.GlobalAveragePooling1D`: [batch, steps, channels] -> [batch, channels] (mean over steps).
package final class GlobalAveragePooling1D: BaseGlobalPooling, @unchecked Sendable {
    override package class var kerasClassName: String { "GlobalAveragePooling1D" }
    package init(keepdims: Bool = false, name: String = "global_average_pooling1d") {
        super.init(kind: .average, rank: 1, keepdims: keepdims, name: name)
    }

    /// Keras 3: `supports_masking = True`, averages the unmasked steps and outputs no mask.
    override package func maskOutput(inputMask: [Int]?) throws -> MaskOutput {
        guard let m = inputMask else { return .consumes }
        guard let steps = inputShape?.first, m == [steps] else {
            throw SeqNNError.shape("GlobalAveragePooling1D '\(name)' receives a mask of shape \(describeShape(m)); it takes one mask value per step, \(describeShape([inputShape?.first ?? 0]))")
        }
        return .consumes
    }
}

/// `keras.layers.GlobalAveragePooling2D`: [batch, rows, cols, channels] -> [batch, channels].
package final class GlobalAveragePooling2D: BaseGlobalPooling, @unchecked Sendable {
    override package class var kerasClassName: String { "GlobalAveragePooling2D" }
    package init(keepdims: Bool = false, name: String = "global_average_pooling2d") {
        super.init(kind: .average, rank: 2, keepdims: keepdims, name: name)
    }
}

extension LayerConfig {
    /// data_format (channels_last only) and keepdims of the global pooling layers.
    func globalPoolingKeepdims() throws -> Bool {
        try requireChannelsLast()
        return try bool("keepdims", default: false)
    }
}

extension GlobalMaxPooling1D {
    convenience init(config c: LayerConfig) throws {
        self.init(keepdims: try c.globalPoolingKeepdims(), name: c.name ?? "global_max_pooling1d")
    }
}

extension GlobalMaxPooling2D {
    convenience init(config c: LayerConfig) throws {
        self.init(keepdims: try c.globalPoolingKeepdims(), name: c.name ?? "global_max_pooling2d")
    }
}

extension GlobalAveragePooling1D {
    convenience init(config c: LayerConfig) throws {
        self.init(keepdims: try c.globalPoolingKeepdims(), name: c.name ?? "global_average_pooling1d")
    }
}

extension GlobalAveragePooling2D {
    convenience init(config c: LayerConfig) throws {
        self.init(keepdims: try c.globalPoolingKeepdims(), name: c.name ?? "global_average_pooling2d")
    }
}
