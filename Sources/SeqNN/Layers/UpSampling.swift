/// Upsampling of the spatial axes (`UpSampling1D/2D`), channels_last: each axis grows by its `size` factor.
///
/// 'nearest' repeats every element `size` times along each axis (Keras's repeat_elements). UpSampling2D's
/// 'bilinear' is TensorFlow's resize_bilinear with half-pixel centers (what `tf.image.resize` and Keras 3's
/// `ops.image.resize` use, without antialiasing): source coordinate (o + 0.5) / size - 0.5, clamped at the
/// edges, lerped across columns then rows, in float32 exactly as TensorFlow's kernel does.
package class BaseUpSampling: Layer, @unchecked Sendable {
    package enum Interpolation: String, Sendable { case nearest, bilinear }
    package let rank: Int
    package let size: [Int]
    package let interpolation: Interpolation
    private var dims: (h: Int, w: Int, c: Int) = (0, 0, 0)
    /// Bilinear sampling tables per output row / column: (lower, upper, lerp), built once.
    private var rowTaps: [(Int, Int, Float)] = [], colTaps: [(Int, Int, Float)] = []

    init(rank: Int, size: [Int], interpolation: Interpolation, name: String) throws {
        guard size.count == rank, size.allSatisfy({ $0 > 0 }) else {
            throw SeqNNError(.invalidArgument, "UpSampling\(rank)D '\(name)': size must be \(rank) positive integer(s), found \(size)")
        }
        self.rank = rank
        self.size = size
        self.interpolation = interpolation
        super.init(name: name)
    }

    private var sh: Int { rank == 1 ? 1 : size[0] }
    private var sw: Int { size[rank - 1] }

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        dims = try spatialDims(inputShape, rank: rank, label: "\(kerasClassName) '\(name)'")
        let out = zip(inputShape.dropLast(), size).map { $0 * $1 } + [dims.c]
        guard Tensor.checkedElementCount(out) != nil else {
            throw SeqNNError(.invalidArgument, "\(kerasClassName) '\(name)': output shape \(describeShape(out)) is too large")
        }
        if interpolation == .bilinear {
            rowTaps = Self.taps(input: dims.h, output: dims.h * sh)
            colTaps = Self.taps(input: dims.w, output: dims.w * sw)
        }
        return out
    }

    /// TensorFlow's compute_interpolation_weights with HalfPixelScaler.
    static func taps(input: Int, output: Int) -> [(Int, Int, Float)] {
        let scale = Float(input) / Float(output)
        return (0..<output).map { o in
            let v = (Float(o) + 0.5) * scale - 0.5
            let f = v.rounded(.down)
            return (max(Int(f), 0), min(Int(v.rounded(.up)), input - 1), v - f)
        }
    }

    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        guard let outShape = outputShape else { return }
        state.output.resize(batch: x.rows, rest: outShape)
        let (h, w, c) = dims, oh = h * sh, ow = w * sw
        for n in 0..<x.rows {
            let xs = x.data + n * h * w * c, ys = state.output.data + n * oh * ow * c
            for r in 0..<oh {
                let o = ys + r * ow * c
                if interpolation == .nearest {
                    let src = xs + (r / sh) * w * c
                    for q in 0..<ow { (o + q * c).update(from: src + (q / sw) * c, count: c) }
                    continue
                }
                let (y0, y1, ly) = rowTaps[r]
                let top = xs + y0 * w * c, bottom = xs + y1 * w * c
                for q in 0..<ow {
                    let (x0, x1, lx) = colTaps[q]
                    let tl = top + x0 * c, tr = top + x1 * c, bl = bottom + x0 * c, br = bottom + x1 * c, d = o + q * c
                    for i in 0..<c {
                        let t = tl[i] + (tr[i] - tl[i]) * lx
                        let b = bl[i] + (br[i] - bl[i]) * lx
                        d[i] = t + (b - t) * ly
                    }
                }
            }
        }
    }

    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard needInputGrad else { return }
        state.gradInput.resize(x.shape)
        state.gradInput.fill(0)
        let (h, w, c) = dims, oh = h * sh, ow = w * sw
        for n in 0..<x.rows {
            let dxs = state.gradInput.data + n * h * w * c, dys = dy.data + n * oh * ow * c
            for r in 0..<oh {
                let g = dys + r * ow * c
                if interpolation == .nearest {
                    let dst = dxs + (r / sh) * w * c
                    for q in 0..<ow { let d = dst + (q / sw) * c, s = g + q * c; for i in 0..<c { d[i] += s[i] } }
                    continue
                }
                // TensorFlow's ResizeBilinearGrad: each output gradient spread over its four taps.
                let (y0, y1, ly) = rowTaps[r]
                let top = dxs + y0 * w * c, bottom = dxs + y1 * w * c
                for q in 0..<ow {
                    let (x0, x1, lx) = colTaps[q]
                    let s = g + q * c
                    for i in 0..<c {
                        top[x0 * c + i] += s[i] * (1 - ly) * (1 - lx)
                        top[x1 * c + i] += s[i] * (1 - ly) * lx
                        bottom[x0 * c + i] += s[i] * ly * (1 - lx)
                        bottom[x1 * c + i] += s[i] * ly * lx
                    }
                }
            }
        }
    }
}

/// `keras.layers.UpSampling1D(size)`: [batch, steps, channels] -> [batch, steps * size, channels], each
/// step repeated `size` times (default 2).
package final class UpSampling1D: BaseUpSampling, @unchecked Sendable {
    override package class var kerasClassName: String { "UpSampling1D" }
    package init(size: Int = 2, name: String = "up_sampling1d") throws {
        try super.init(rank: 1, size: [size], interpolation: .nearest, name: name)
    }
    override package func layerConfig() -> [(String, JSON)] { [("size", .number(Double(size[0])))] }
}

/// `keras.layers.UpSampling2D(size, interpolation)`: [batch, rows, cols, channels] ->
/// [batch, rows * size[0], cols * size[1], channels]; interpolation 'nearest' (default) or 'bilinear'.
package final class UpSampling2D: BaseUpSampling, @unchecked Sendable {
    override package class var kerasClassName: String { "UpSampling2D" }
    package init(size: [Int] = [2, 2], interpolation: Interpolation = .nearest, name: String = "up_sampling2d") throws {
        try super.init(rank: 2, size: size, interpolation: interpolation, name: name)
    }
    override package func layerConfig() -> [(String, JSON)] {
        [("size", jsonInts(size)), ("data_format", "channels_last"), ("interpolation", .string(interpolation.rawValue))]
    }
}

extension UpSampling1D {
    convenience init(config c: LayerConfig) throws {
        try self.init(size: c.spatial("size", rank: 1, default: [2])[0], name: c.name ?? "up_sampling1d")
    }
}

extension UpSampling2D {
    convenience init(config c: LayerConfig) throws {
        try c.requireChannelsLast()
        let name = try c.string("interpolation", default: "nearest")!
        guard let interpolation = Interpolation(rawValue: name) else {
            throw SeqNNError(.unsupported, "\(c.label): interpolation '\(name)' is not supported; SeqNN supports 'nearest' and 'bilinear'")
        }
        try self.init(size: c.spatial("size", rank: 2, default: [2, 2]), interpolation: interpolation, name: c.name ?? "up_sampling2d")
    }
}
