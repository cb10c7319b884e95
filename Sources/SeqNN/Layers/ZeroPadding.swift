/// Zero padding before and after the spatial axes (`ZeroPadding1D/2D`), channels_last.
package class BaseZeroPadding: Layer, @unchecked Sendable {
    package let rank: Int
    /// (before, after) per spatial axis: (left, right) for 1-D; (top, bottom), (left, right) for 2-D.
    package let padding: [(Int, Int)]
    private var dims: (h: Int, w: Int, c: Int) = (0, 0, 0)

    init(rank: Int, padding: [(Int, Int)], name: String) throws {
        guard padding.count == rank, padding.allSatisfy({ $0.0 >= 0 && $0.1 >= 0 }) else {
            throw SeqNNError(.invalidArgument, "ZeroPadding\(rank)D '\(name)': padding must be \(rank) pair(s) of integers >= 0, found \(padding)")
        }
        self.rank = rank
        self.padding = padding
        super.init(name: name)
    }

    private var top: Int { rank == 1 ? 0 : padding[0].0 }
    private var left: Int { padding[rank - 1].0 }

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        dims = try spatialDims(inputShape, rank: rank, label: "\(kerasClassName) '\(name)'")
        return zip(inputShape.dropLast(), padding).map { $0 + $1.0 + $1.1 } + [dims.c]
    }

    private var outHW: (h: Int, w: Int) {
        let o = outputShape ?? []
        return rank == 1 ? (1, o.first ?? 0) : (o.first ?? 0, o.count > 1 ? o[1] : 0)
    }

    // x: [N, H, W, C] -> y: [N, top + H + bottom, left + W + right, C], zeros around x
    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        guard let outShape = outputShape else { return }
        let (oh, ow) = outHW
        state.output.resize(batch: x.rows, rest: outShape)
        state.output.fill(0)
        copyBlock(x.data, srcH: dims.h, srcW: dims.w, at: 0, 0, state.output.data, dstH: oh, dstW: ow, at: top, left,
                  h: dims.h, w: dims.w, channels: dims.c, samples: x.rows)
    }

    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard needInputGrad else { return }
        let (oh, ow) = outHW
        state.gradInput.resize(x.shape)
        copyBlock(dy.data, srcH: oh, srcW: ow, at: top, left, state.gradInput.data, dstH: dims.h, dstW: dims.w, at: 0, 0,
                  h: dims.h, w: dims.w, channels: dims.c, samples: x.rows)
    }
}

/// `keras.layers.ZeroPadding1D(padding)`: [batch, steps, channels] -> [batch, left + steps + right, channels].
/// padding: an int (both sides) or (left, right); default 1.
package final class ZeroPadding1D: BaseZeroPadding, @unchecked Sendable {
    override package class var kerasClassName: String { "ZeroPadding1D" }
    package init(padding: (Int, Int) = (1, 1), name: String = "zero_padding1d") throws {
        try super.init(rank: 1, padding: [padding], name: name)
    }
    // tf_keras's ZeroPadding1D takes no data_format argument, so none is written.
    override package func layerConfig() -> [(String, JSON)] { [("padding", jsonInts([padding[0].0, padding[0].1]))] }
}

/// `keras.layers.ZeroPadding2D(padding)`: [batch, rows, cols, channels] -> [batch, top + rows + bottom,
/// left + cols + right, channels]. padding: an int, (rows, cols) symmetric, or ((top, bottom), (left, right)); default 1.
package final class ZeroPadding2D: BaseZeroPadding, @unchecked Sendable {
    override package class var kerasClassName: String { "ZeroPadding2D" }
    package init(padding: [(Int, Int)] = [(1, 1), (1, 1)], name: String = "zero_padding2d") throws {
        try super.init(rank: 2, padding: padding, name: name)
    }
    override package func layerConfig() -> [(String, JSON)] { [("padding", jsonPairs(padding)), ("data_format", "channels_last")] }
}

extension ZeroPadding1D {
    convenience init(config c: LayerConfig) throws {
        try c.requireChannelsLast()
        try self.init(padding: c.sidePairs("padding", rank: 1, default: 1)[0], name: c.name ?? "zero_padding1d")
    }
}

extension ZeroPadding2D {
    convenience init(config c: LayerConfig) throws {
        try c.requireChannelsLast()
        try self.init(padding: c.sidePairs("padding", rank: 2, default: 1), name: c.name ?? "zero_padding2d")
    }
}
