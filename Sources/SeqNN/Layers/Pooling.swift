/// Max or average pooling over windows (`MaxPooling1D/2D`, `AveragePooling1D/2D`), channels_last.
///
/// TensorFlow's semantics, which Keras 2 and 3 both use: 'same' padding as for convolutions; the
/// maximum ignores padded positions; an average divides by the number of real (non-padded) elements
/// in its window; the gradient of a maximum goes to the first maximal element of the window in
/// row-major order (TensorFlow's MaxPoolGrad), not to every tied one.
public class BasePooling: Layer, @unchecked Sendable {
    public enum Kind: Sendable { case max, average }
    public let kind: Kind
    /// 1 or 2.
    public let rank: Int
    public let poolSize: [Int]
    public let strides: [Int]
    public let padding: ConvPadding
    public private(set) var geometry: WindowGeometry?
    /// Shapes fixed by `build`, so the per-batch code allocates nothing.
    private var bestShape: [Int] = []

    init(kind: Kind, rank: Int, poolSize: [Int], strides: [Int]?, padding: ConvPadding, name: String) throws {
        let cls = (kind == .max ? "MaxPooling" : "AveragePooling") + "\(rank)D"
        guard poolSize.count == rank, poolSize.allSatisfy({ $0 > 0 }) else {
            throw SeqNNError(.invalidArgument, "\(cls) '\(name)': pool_size must be \(rank) positive integer(s), found \(poolSize)")
        }
        let s = strides ?? poolSize
        guard s.count == rank, s.allSatisfy({ $0 > 0 }) else {
            throw SeqNNError(.invalidArgument, "\(cls) '\(name)': strides must be \(rank) positive integer(s), found \(s)")
        }
        guard padding != .causal else {
            throw SeqNNError(.invalidArgument, "\(cls) '\(name)': padding must be 'valid' or 'same'")
        }
        self.kind = kind
        self.rank = rank
        self.poolSize = poolSize
        self.strides = s
        self.padding = padding
        super.init(name: name)
    }

    override public func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        let g = try WindowGeometry.make(inputShape: inputShape, kernel: poolSize, strides: strides,
                                        dilation: Array(repeating: 1, count: rank), padding: padding,
                                        label: "\(kerasClassName) '\(name)'")
        geometry = g
        bestShape = [2 * g.channels]
        return (rank == 1 ? [g.outW] : [g.outH, g.outW]) + [g.channels]
    }

    override public func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        guard let g = geometry, let outShape = outputShape else { return }
        state.output.resize(batch: x.rows, rest: outShape)
        switch kind {
        case .max: PoolKernels.maxForward(x.data, samples: x.rows, g, state.output.data)
        case .average: PoolKernels.averageForward(x.data, samples: x.rows, g, state.output.data)
        }
    }

    override public func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard needInputGrad, let g = geometry else { return }
        state.gradInput.resize(x.shape)
        state.gradInput.fill(0)
        switch kind {
        case .max:
            let best = state.scratch(0)
            best.resize(bestShape)
            PoolKernels.maxBackward(x.data, dy.data, samples: x.rows, g, state.gradInput.data, best: best.data)
        case .average:
            PoolKernels.averageBackward(dy.data, samples: x.rows, g, state.gradInput.data)
        }
    }

    override public func layerConfig() -> [(String, JSON)] {
        [("pool_size", jsonInts(poolSize)), ("padding", .string(padding.rawValue)), ("strides", jsonInts(strides)),
         ("data_format", "channels_last")]
    }
}

extension BasePooling {
    /// pool_size (default 2 per axis, Keras 2's default; Keras 3 requires it for AveragePooling),
    /// strides (null = pool_size), padding, data_format.
    static func parse(_ c: LayerConfig, rank: Int) throws -> (pool: [Int], strides: [Int]?, padding: ConvPadding) {
        try c.requireChannelsLast()
        let pool = try c.spatial("pool_size", rank: rank, default: Array(repeating: 2, count: rank))
        let strides = c.has("strides") ? try c.spatial("strides", rank: rank, default: nil) : nil
        return (pool, strides, try c.convPadding())
    }
}

enum PoolKernels {
    /// The real (unpadded) rows and columns of the window of output (oh, ow).
    @inline(__always)
    static func window(_ g: WindowGeometry, _ oh: Int, _ ow: Int) -> (h: Range<Int>, w: Range<Int>) {
        let h0 = oh * g.sH - g.padTop, w0 = ow * g.sW - g.padLeft
        return (max(h0, 0)..<min(h0 + g.kH, g.inH), max(w0, 0)..<min(w0 + g.kW, g.inW))
    }

    // x: [N, inH, inW, C] -> y: [N, outH, outW, C], y = max over each window's real elements
    static func maxForward(_ x: UnsafePointer<Float>, samples: Int, _ g: WindowGeometry, _ y: UnsafeMutablePointer<Float>) {
        let c = g.channels
        var o = y
        for n in 0..<samples {
            let xs = x + n * g.inSize
            for oh in 0..<g.outH {
                for ow in 0..<g.outW {
                    let (hr, wr) = window(g, oh, ow)
                    var first = true
                    for h in hr { for w in wr {
                        let p = xs + (h * g.inW + w) * c
                        if first { o.update(from: p, count: c); first = false; continue }
                        for i in 0..<c { o[i] = p[i] > o[i] ? p[i] : o[i] }   // branch-free: vectorises
                    } }
                    o += c
                }
            }
        }
    }

    /// value = max(value, p) per channel, at = pos where p is strictly greater: eight channels per SIMD step
    /// (the scalar loop did not vectorise and took a third of a CNN's training time).
    @inline(__always)
    static func keepMaximum(_ p: UnsafePointer<Float>, _ value: UnsafeMutablePointer<Float>, _ at: UnsafeMutablePointer<Float>,
                            _ pos: Float, _ c: Int) {
        var i = 0
        let posv = SIMD8<Float>(repeating: pos)
        while i + 8 <= c {
            let pv = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            var vv = UnsafeRawPointer(value + i).loadUnaligned(as: SIMD8<Float>.self)
            var av = UnsafeRawPointer(at + i).loadUnaligned(as: SIMD8<Float>.self)
            let gt = pv .> vv
            vv.replace(with: pv, where: gt)
            av.replace(with: posv, where: gt)
            UnsafeMutableRawPointer(value + i).storeBytes(of: vv, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(at + i).storeBytes(of: av, as: SIMD8<Float>.self)
            i += 8
        }
        while i < c {
            if p[i] > value[i] { value[i] = p[i]; at[i] = pos }
            i += 1
        }
    }

    // dx[first argmax of each window] += dy; dx: [N, inH, inW, C] zeroed by the caller; best: 2*C floats
    static func maxBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, samples: Int, _ g: WindowGeometry,
                            _ dx: UnsafeMutablePointer<Float>, best: UnsafeMutablePointer<Float>) {
        let c = g.channels
        // Per channel: the running maximum and the spatial position (h * inW + w) it came from, kept as a
        // Float (exact below 2^24 positions) so the comparison loop is branch-free and vectorises; strict >
        // keeps the first maximum, as TensorFlow's gradient routes to it.
        let value = best, at = best + c
        var d = dy
        for n in 0..<samples {
            let xs = x + n * g.inSize, dxs = dx + n * g.inSize
            for oh in 0..<g.outH {
                for ow in 0..<g.outW {
                    let (hr, wr) = window(g, oh, ow)
                    var first = true
                    for h in hr { for w in wr {
                        let pos = h * g.inW + w
                        let p = xs + pos * c
                        if first {
                            value.update(from: p, count: c)
                            at.update(repeating: Float(pos), count: c)
                            first = false
                        } else {
                            keepMaximum(p, value, at, Float(pos), c)
                        }
                    } }
                    for i in 0..<c { dxs[Int(at[i]) * c + i] += d[i] }
                    d += c
                }
            }
        }
    }

    // x: [N, inH, inW, C] -> y: [N, outH, outW, C], y = sum over the window's real elements / their count
    static func averageForward(_ x: UnsafePointer<Float>, samples: Int, _ g: WindowGeometry, _ y: UnsafeMutablePointer<Float>) {
        let c = g.channels
        var o = y
        for n in 0..<samples {
            let xs = x + n * g.inSize
            for oh in 0..<g.outH {
                for ow in 0..<g.outW {
                    let (hr, wr) = window(g, oh, ow)
                    o.update(repeating: 0, count: c)
                    for h in hr { for w in wr {
                        let p = xs + (h * g.inW + w) * c
                        for i in 0..<c { o[i] += p[i] }
                    } }
                    let inv = 1 / Float(hr.count * wr.count)
                    for i in 0..<c { o[i] *= inv }
                    o += c
                }
            }
        }
    }

    // dx[window] += dy / count; dx zeroed by the caller
    static func averageBackward(_ dy: UnsafePointer<Float>, samples: Int, _ g: WindowGeometry, _ dx: UnsafeMutablePointer<Float>) {
        let c = g.channels
        var d = dy
        for n in 0..<samples {
            let dxs = dx + n * g.inSize
            for oh in 0..<g.outH {
                for ow in 0..<g.outW {
                    let (hr, wr) = window(g, oh, ow)
                    let inv = 1 / Float(hr.count * wr.count)
                    for h in hr { for w in wr {
                        let p = dxs + (h * g.inW + w) * c
                        for i in 0..<c { p[i] += d[i] * inv }
                    } }
                    d += c
                }
            }
        }
    }
}
