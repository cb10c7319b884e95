import CSeqNNKernels

/// Max or average pooling over windows (`MaxPooling1D/2D`, `AveragePooling1D/2D`), channels_last.
///
/// TensorFlow's semantics, which Keras 2 and 3 both use: 'same' padding as for convolutions; the
/// maximum ignores padded positions; an average divides by the number of real (non-padded) elements
/// in its window; the gradient of a maximum goes to the first maximal element of the window in
/// row-major order (TensorFlow's MaxPoolGrad), not to every tied one.
package class BasePooling: Layer, @unchecked Sendable {
    package enum Kind: Sendable { case max, average }
    package let kind: Kind
    /// 1 or 2.
    package let rank: Int
    package let poolSize: [Int]
    package let strides: [Int]
    package let padding: ConvPadding
    package private(set) var geometry: WindowGeometry?
    /// Per-pass buffers: the best value per output element (the general max backward) and the tiled max
    /// path's argmax bytes.
    enum Buffer: Int, BufferName { case best, argmax }
    /// Shapes fixed by `build`, so the per-batch code allocates nothing.
    private var bestShape: [Int] = []
    /// Per sample, the floats that hold one byte per output element (the tiled max path's argmax offsets).
    private var argShape: [Int] = []

    /// Max pooling whose windows do not overlap (the Keras default, pool == stride) records each maximum's
    /// window offset in the forward pass (`Buffer.argmax`), so backward scatters without reading x again.
    var usesTiledMax: Bool { kind == .max && geometry.map(PoolKernels.tiles) == true }

    /// Whether the tiled max pooling may use the AVX-512 kernels (16 channels per step) when the CPU has
    /// them; tests turn it off to check the Swift SIMD loops too.
    package var vectorKernels = true
    var avx512: Bool { vectorKernels && ConvKernels.hasAVX512 && (geometry?.channels ?? 1) % 16 == 0 }

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

    override package func build(inputShape: [Int], rng: inout SeededGenerator) throws -> [Int] {
        let g = try WindowGeometry.make(inputShape: inputShape, kernel: poolSize, strides: strides,
                                        dilation: Array(repeating: 1, count: rank), padding: padding,
                                        label: "\(kerasClassName) '\(name)'")
        geometry = g
        bestShape = [2 * g.channels]
        argShape = [(g.outPositions * g.channels + 3) / 4]
        return (rank == 1 ? [g.outW] : [g.outH, g.outW]) + [g.channels]
    }

    override package func forward(_ x: Tensor, _ state: LayerState, training: Bool, rng: inout SeededGenerator) {
        guard let g = geometry, let outShape = outputShape else { return }
        state.output.resize(batch: x.rows, rest: outShape)
        if usesTiledMax {
            // Recorded in inference too: a backward after forward(training: false) must still be right.
            let arg = argmax(state, samples: x.rows)
            if avx512 {
                var w = g.kernelWindow
                SeqNNKernels_maxpool_forward(x.data, Int32(x.rows), &w, state.output.data, arg)
            } else {
                PoolKernels.maxForwardTiled(x.data, samples: x.rows, g, state.output.data, arg: arg)
            }
            return
        }
        switch kind {
        case .max: PoolKernels.maxForward(x.data, samples: x.rows, g, state.output.data)
        case .average: PoolKernels.averageForward(x.data, samples: x.rows, g, state.output.data)
        }
    }

    override package func backward(_ x: Tensor, _ dy: Tensor, _ state: LayerState, needInputGrad: Bool) {
        guard needInputGrad, let g = geometry else { return }
        state.gradInput.resize(x.shape)
        if usesTiledMax {
            if avx512 {
                if !PoolKernels.coversExactly(g) { state.gradInput.fill(0) }
                var w = g.kernelWindow
                SeqNNKernels_maxpool_backward(dy.data, bytes(state.buffer(Buffer.argmax)), Int32(x.rows), &w, state.gradInput.data)
            } else {
                PoolKernels.maxBackwardTiled(dy.data, arg: bytes(state.buffer(Buffer.argmax)), samples: x.rows, g, state.gradInput.data)
            }
            return
        }
        state.gradInput.fill(0)
        switch kind {
        case .max:
            let best = state.buffer(Buffer.best)
            best.resize(bestShape)
            PoolKernels.maxBackward(x.data, dy.data, samples: x.rows, g, state.gradInput.data, best: best.data)
        case .average:
            PoolKernels.averageBackward(dy.data, samples: x.rows, g, state.gradInput.data)
        }
    }

    /// The tiled max path's argmax bytes for `samples` samples (`Buffer.argmax`, sized here).
    func argmax(_ state: LayerState, samples: Int) -> UnsafeMutablePointer<UInt8> {
        let arg = state.buffer(Buffer.argmax)
        arg.resize(batch: samples, rest: argShape)
        return bytes(arg)
    }

    /// A float scratch buffer seen as bytes (4 per float).
    private func bytes(_ t: Tensor) -> UnsafeMutablePointer<UInt8> {
        UnsafeMutableRawPointer(t.data).assumingMemoryBound(to: UInt8.self)
    }

    override package func layerConfig() -> [(String, JSON)] {
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

// MARK: - Max pooling over non-overlapping windows

extension PoolKernels {
    /// Windows never overlap (stride >= pool on both axes) and a window offset fits in a byte: each input
    /// element then has at most one window, so backward can write dx from recorded offsets.
    static func tiles(_ g: WindowGeometry) -> Bool { g.sH >= g.kH && g.sW >= g.kW && g.kH * g.kW <= 256 }

    /// The windows cover every input element exactly once (no padding, gaps or leftover rows/columns),
    /// so the tiled backward writes all of dx and need not zero it first.
    static func coversExactly(_ g: WindowGeometry) -> Bool {
        g.padTop == 0 && g.padLeft == 0 && g.sH == g.kH && g.sW == g.kW && g.outH * g.kH == g.inH && g.outW * g.kW == g.inW
    }

    // x: [N, inH, inW, C] -> y: [N, outH, outW, C], arg: [N, outH, outW, C] bytes = the offset kh * kW + kw
    // in its window of each first maximum (row-major, strict >: TensorFlow's MaxPoolGrad routing).
    /// Max pooling for `tiles` geometries, vectorised over channels; same values as `maxForward`.
    static func maxForwardTiled(_ x: UnsafePointer<Float>, samples: Int, _ g: WindowGeometry,
                                _ y: UnsafeMutablePointer<Float>, arg: UnsafeMutablePointer<UInt8>) {
        let c = g.channels
        var o = y, a = arg
        for n in 0..<samples {
            let xs = x + n * g.inSize
            for oh in 0..<g.outH {
                for ow in 0..<g.outW {
                    windowMaximum(xs, g, oh, ow, o, a)
                    o += c
                    a += c
                }
            }
        }
    }

    /// One window's maximum and its offset per channel, eight channels per SIMD step.
    @inline(__always)
    static func windowMaximum(_ xs: UnsafePointer<Float>, _ g: WindowGeometry, _ oh: Int, _ ow: Int,
                              _ o: UnsafeMutablePointer<Float>, _ a: UnsafeMutablePointer<UInt8>) {
        let c = g.channels, (hr, wr) = window(g, oh, ow)
        let h0 = oh * g.sH - g.padTop, w0 = ow * g.sW - g.padLeft
        let first = xs + (hr.lowerBound * g.inW + wr.lowerBound) * c
        let k0 = (hr.lowerBound - h0) * g.kW + wr.lowerBound - w0
        var i = 0
        while i + 8 <= c {
            var m = load8(first + i), at = SIMD8<Int32>(repeating: Int32(k0))
            for h in hr { for w in wr {
                let v = load8(xs + (h * g.inW + w) * c + i)
                let gt = v .> m
                m.replace(with: v, where: gt)
                at.replace(with: SIMD8(repeating: Int32((h - h0) * g.kW + w - w0)), where: gt)
            } }
            UnsafeMutableRawPointer(o + i).storeBytes(of: m, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(a + i).storeBytes(of: SIMD8<UInt8>(truncatingIfNeeded: at), as: SIMD8<UInt8>.self)
            i += 8
        }
        while i < c {
            var m = first[i], at = k0
            for h in hr { for w in wr {
                let v = xs[(h * g.inW + w) * c + i]
                if v > m { m = v; at = (h - h0) * g.kW + w - w0 }
            } }
            o[i] = m
            a[i] = UInt8(truncatingIfNeeded: at)
            i += 1
        }
    }

    // dy: [N, outH, outW, C], arg from maxForwardTiled -> dx: [N, inH, inW, C] (overwritten, not accumulated)
    /// The gradient of `maxForwardTiled`: each window element gets dy where it was the recorded maximum,
    /// else 0. Same values as `maxBackward`, without reading x.
    static func maxBackwardTiled(_ dy: UnsafePointer<Float>, arg: UnsafePointer<UInt8>, samples: Int, _ g: WindowGeometry,
                                 _ dx: UnsafeMutablePointer<Float>) {
        if !coversExactly(g) { dx.update(repeating: 0, count: samples * g.inSize) }
        let c = g.channels
        var d = dy, a = arg
        for n in 0..<samples {
            let dxs = dx + n * g.inSize
            for oh in 0..<g.outH {
                for ow in 0..<g.outW {
                    let (hr, wr) = window(g, oh, ow)
                    let h0 = oh * g.sH - g.padTop, w0 = ow * g.sW - g.padLeft
                    for h in hr { for w in wr {
                        route(d, a, offset: (h - h0) * g.kW + w - w0, dxs + (h * g.inW + w) * c, c)
                    } }
                    d += c
                    a += c
                }
            }
        }
    }

    /// p[i] = d[i] where a[i] == offset, else 0, for `c` channels.
    @inline(__always)
    static func route(_ d: UnsafePointer<Float>, _ a: UnsafePointer<UInt8>, offset: Int, _ p: UnsafeMutablePointer<Float>, _ c: Int) {
        let k = SIMD8<Int32>(repeating: Int32(offset))
        var i = 0
        while i + 8 <= c {
            let at = SIMD8<Int32>(truncatingIfNeeded: UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<UInt8>.self))
            var v = load8(d + i)
            v.replace(with: 0, where: at .!= k)
            UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD8<Float>.self)
            i += 8
        }
        while i < c {
            p[i] = Int(a[i]) == offset ? d[i] : 0
            i += 1
        }
    }

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
}
