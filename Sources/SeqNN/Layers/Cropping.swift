/// Cropping of the spatial axes (`Cropping1D/2D`), channels_last: the inverse of ZeroPadding.
package class BaseCropping: Layer, @unchecked Sendable {
    package let rank: Int
    /// (before, after) per spatial axis: (start, end) for 1-D; (top, bottom), (left, right) for 2-D.
    package let cropping: [(Int, Int)]
    private var dims: (h: Int, w: Int, c: Int) = (0, 0, 0)

    init(rank: Int, cropping: [(Int, Int)], name: String) throws {
        guard cropping.count == rank, cropping.allSatisfy({ $0.0 >= 0 && $0.1 >= 0 }) else {
            throw SeqNNError(.invalidArgument, "Cropping\(rank)D '\(name)': cropping must be \(rank) pair(s) of integers >= 0, found \(cropping)")
        }
        self.rank = rank
        self.cropping = cropping
        super.init(name: name)
    }

    private var top: Int { rank == 1 ? 0 : cropping[0].0 }
    private var left: Int { cropping[rank - 1].0 }

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        dims = try spatialDims(inputShape, rank: rank, label: "\(kerasClassName) '\(name)'")
        let out = zip(inputShape.dropLast(), cropping).map { $0 - $1.0 - $1.1 }
        guard out.allSatisfy({ $0 > 0 }) else {
            throw SeqNNError.shape("\(kerasClassName) '\(name)': cropping \(cropping.map { [$0.0, $0.1] }) leaves nothing of the input \(describeShape(inputShape))")
        }
        return out + [dims.c]
    }

    private var outHW: (h: Int, w: Int) {
        let o = outputShape ?? []
        return rank == 1 ? (1, o.first ?? 0) : (o.first ?? 0, o.count > 1 ? o[1] : 0)
    }

    // x: [N, H, W, C] -> y: [N, H - top - bottom, W - left - right, C]
    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        guard let outShape = outputShape else { return }
        let (oh, ow) = outHW
        state.output.resize(batch: x.rows, rest: outShape)
        copyBlock(x.data, srcH: dims.h, srcW: dims.w, at: top, left, state.output.data, dstH: oh, dstW: ow, at: 0, 0,
                  h: oh, w: ow, channels: dims.c, samples: x.rows)
    }

    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard needInputGrad else { return }
        let (oh, ow) = outHW
        state.gradInput.resize(x.shape)
        state.gradInput.fill(0)
        copyBlock(dy.data, srcH: oh, srcW: ow, at: 0, 0, state.gradInput.data, dstH: dims.h, dstW: dims.w, at: top, left,
                  h: oh, w: ow, channels: dims.c, samples: x.rows)
    }
}

/// `keras.layers.Cropping1D(cropping)`: [batch, steps, channels] -> [batch, steps - start - end, channels].
/// cropping: an int (both ends) or (start, end); default (1, 1).
package final class Cropping1D: BaseCropping, @unchecked Sendable {
    override package class var kerasClassName: String { "Cropping1D" }
    package init(cropping: (Int, Int) = (1, 1), name: String = "cropping1d") throws {
        try super.init(rank: 1, cropping: [cropping], name: name)
    }
    override package func layerConfig() -> [(String, JSON)] { [("cropping", jsonInts([cropping[0].0, cropping[0].1]))] }
}

/// `keras.layers.Cropping2D(cropping)`: [batch, rows, cols, channels] -> [batch, rows - top - bottom,
/// cols - left - right, channels]. cropping: an int, (rows, cols) symmetric, or ((top, bottom), (left, right)); default 0.
package final class Cropping2D: BaseCropping, @unchecked Sendable {
    override package class var kerasClassName: String { "Cropping2D" }
    package init(cropping: [(Int, Int)] = [(0, 0), (0, 0)], name: String = "cropping2d") throws {
        try super.init(rank: 2, cropping: cropping, name: name)
    }
    override package func layerConfig() -> [(String, JSON)] { [("cropping", jsonPairs(cropping)), ("data_format", "channels_last")] }
}

extension Cropping1D {
    convenience init(config c: LayerConfig) throws {
        try self.init(cropping: c.sidePairs("cropping", rank: 1, default: 1)[0], name: c.name ?? "cropping1d")
    }
}

extension Cropping2D {
    convenience init(config c: LayerConfig) throws {
        try c.requireChannelsLast()
        try self.init(cropping: c.sidePairs("cropping", rank: 2, default: 0), name: c.name ?? "cropping2d")
    }
}
