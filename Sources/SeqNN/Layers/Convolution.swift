// The shared machinery of the convolution family (Conv1D/2D, pooling, padding, cropping, upsampling):
// the window geometry with TensorFlow's padding rule, the im2col/col2im kernels that turn a
// convolution into one sgemm, and the plain-loop reference convolution the tests check them against.
//
// Everything is channels_last. A 1-D layer is run as a 2-D one of height 1: a [L, C] sample is a
// [1, L, C] image and a Conv1D kernel [k, C, F] is the [1, k, C, F] kernel with the same memory.

import CSeqNNKernels

/// Keras's `padding` argument of convolution and pooling layers.
package enum ConvPadding: String, Sendable {
    /// No padding: windows lie wholly inside the input.
    case valid
    /// TensorFlow's SAME: out = ceil(in / stride); the total padding
    /// max((out - 1) * stride + (k - 1) * dilation + 1 - in, 0) is split with the smaller half before.
    case same
    /// Conv1D only: (k - 1) * dilation zeros before, none after, so output t sees inputs <= t.
    case causal
}

/// The geometry of one windowed operation over a channels_last batch: input [inH, inW, channels],
/// window [kH, kW] with strides and dilations, padding before each axis, output [outH, outW].
package struct WindowGeometry: Sendable, Equatable {
    package var inH: Int, inW: Int, channels: Int
    package var kH: Int, kW: Int
    package var sH: Int, sW: Int
    package var dH: Int, dW: Int
    package var padTop: Int, padLeft: Int
    package var outH: Int, outW: Int

    /// Output size and padding before, for one axis (TensorFlow's rule, `tensorflow/core/framework/
    /// kernel_shape_util.cc` GetWindowedOutputSizeVerbose). nil when the window does not fit.
    package static func axis(input: Int, kernel: Int, stride: Int, dilation: Int, padding: ConvPadding) -> (out: Int, before: Int)? {
        let span = (kernel - 1) * dilation + 1
        switch padding {
        case .valid:
            guard input >= span else { return nil }
            return ((input - span) / stride + 1, 0)
        case .same:
            let out = (input + stride - 1) / stride
            let total = max((out - 1) * stride + span - input, 0)
            return out > 0 ? (out, total / 2) : nil
        case .causal:
            let out = (input + stride - 1) / stride
            return out > 0 ? (out, span - 1) : nil
        }
    }

    /// The geometry for a per-sample shape `[spatial..., channels]` of rank 1 or 2 (1-D as height 1).
    /// Throws a shape error naming `label` when an output size would be zero or negative.
    static func make(inputShape: [Int], kernel: [Int], strides: [Int], dilation: [Int], padding: ConvPadding,
                     label: String) throws -> WindowGeometry {
        let rank = kernel.count
        guard inputShape.count == rank + 1, inputShape.allSatisfy({ $0 > 0 }) else {
            throw SeqNNError.shape("\(label) expects an input of rank \(rank + 2) (batch, \(rank == 1 ? "steps" : "rows, cols"), channels), found \(describeShape(inputShape))")
        }
        let ins = rank == 1 ? [1, inputShape[0]] : [inputShape[0], inputShape[1]]
        let ks = rank == 1 ? [1] + kernel : kernel
        let ss = rank == 1 ? [1] + strides : strides
        let ds = rank == 1 ? [1] + dilation : dilation
        var outs = [Int](), befores = [Int]()
        for a in 0..<2 {
            guard let (o, b) = axis(input: ins[a], kernel: ks[a], stride: ss[a], dilation: ds[a], padding: a == 0 && rank == 1 ? .valid : padding) else {
                throw SeqNNError.shape("\(label): the window (size \(kernel), dilation \(dilation)) does not fit the input \(describeShape(inputShape)) with padding '\(padding.rawValue)': the output size would be zero or negative")
            }
            outs.append(o)
            befores.append(b)
        }
        return WindowGeometry(inH: ins[0], inW: ins[1], channels: inputShape[rank], kH: ks[0], kW: ks[1],
                              sH: ss[0], sW: ss[1], dH: ds[0], dW: ds[1], padTop: befores[0], padLeft: befores[1],
                              outH: outs[0], outW: outs[1])
    }

    /// Per-sample sizes.
    package var inSize: Int { inH * inW * channels }
    package var outPositions: Int { outH * outW }
    /// The length of one im2col row: kH * kW * channels.
    package var patchSize: Int { kH * kW * channels }
    /// A 1x1 window with stride 1 and no padding: the input is its own im2col matrix.
    package var isPointwise: Bool { kH == 1 && kW == 1 && sH == 1 && sW == 1 && padTop == 0 && padLeft == 0 && outH == inH && outW == inW }
}

extension WindowGeometry {
    /// The geometry as the C kernels take it.
    var kernelWindow: SeqNNWindow {
        SeqNNWindow(inH: Int32(inH), inW: Int32(inW), channels: Int32(channels), kH: Int32(kH), kW: Int32(kW),
                    sH: Int32(sH), sW: Int32(sW), dH: Int32(dH), dW: Int32(dW), padTop: Int32(padTop),
                    padLeft: Int32(padLeft), outH: Int32(outH), outW: Int32(outW))
    }
}

package enum ConvKernels {
    /// Whether this CPU runs the AVX-512 kernels of CSeqNNKernels (checked once).
    static let hasAVX512 = SeqNNKernels_has_avx512() != 0

    // x: [samples, inH, inW, C] -> cols: [samples * outH * outW, kH * kW * C]
    // cols[(n, oh, ow), (kh, kw, c)] = x[n, oh*sH - padTop + kh*dH, ow*sW - padLeft + kw*dW, c], 0 outside.
    /// im2col for channels_last input: each row is one output position's receptive field in kernel order
    /// (kh, kw, c), so `cols . kernel[kH*kW*C, F]` is the convolution, already channels_last.
    ///
    /// Filled one (output row, kh, kw) column block at a time over the output columns whose input column
    /// is inside the image (the rest are zeros): no bounds test per element, and for one channel a
    /// strided scalar loop (a per-position loop with its tests cost 20 % of a 1-channel CNN's training).
    package static func im2col(_ x: UnsafePointer<Float>, samples: Int, _ g: WindowGeometry, _ cols: UnsafeMutablePointer<Float>) {
        let c = g.channels, k = g.patchSize
        for n in 0..<samples {
            let xs = x + n * g.inSize
            for oh in 0..<g.outH {
                let rows = cols + (n * g.outH + oh) * g.outW * k
                for kh in 0..<g.kH {
                    let ih = oh * g.sH - g.padTop + kh * g.dH
                    for kw in 0..<g.kW {
                        let block = rows + (kh * g.kW + kw) * c
                        if ih < 0 || ih >= g.inH { fillColumn(block, 0..<g.outW, stride: k, channels: c); continue }
                        let off = kw * g.dW - g.padLeft   // input column of output column ow: ow * sW + off
                        let valid = inside(off, g)
                        fillColumn(block, 0..<valid.lowerBound, stride: k, channels: c)
                        fillColumn(block, valid.upperBound..<g.outW, stride: k, channels: c)
                        gatherColumn(xs + ih * g.inW * c, from: off, step: g.sW, into: block, valid, stride: k, channels: c)
                    }
                }
            }
        }
    }

    /// The output columns ow whose input column ow * sW + off lies in [0, inW).
    @inline(__always)
    static func inside(_ off: Int, _ g: WindowGeometry) -> Range<Int> {
        let lo = off >= 0 ? 0 : min(g.outW, (-off + g.sW - 1) / g.sW)
        let last = g.inW - 1 - off   // ow * sW <= last
        let hi = last < 0 ? 0 : min(g.outW, last / g.sW + 1)
        return lo..<max(lo, hi)
    }

    /// Zeroes `channels` floats at block + ow * stride for each ow in `range`.
    @inline(__always)
    static func fillColumn(_ block: UnsafeMutablePointer<Float>, _ range: Range<Int>, stride: Int, channels c: Int) {
        for ow in range { (block + ow * stride).update(repeating: 0, count: c) }
    }

    /// block[ow * stride + i] = xrow[(ow * step + off) * channels + i] for ow in `range`, i < channels.
    @inline(__always)
    static func gatherColumn(_ xrow: UnsafePointer<Float>, from off: Int, step: Int, into block: UnsafeMutablePointer<Float>,
                             _ range: Range<Int>, stride: Int, channels c: Int) {
        if range.isEmpty { return }
        var d = block + range.lowerBound * stride, s = xrow + (range.lowerBound * step + off) * c
        if c == 1 {
            for _ in range { d.pointee = s.pointee; d += stride; s += step }
            return
        }
        for _ in range { copyRun(d, s, c); d += stride; s += step * c }
    }

    /// d[0..<n] = s[0..<n]. The runs of a few-channel input are a handful of floats (3 for a 3x3 kernel
    /// on one channel), where a `memmove` call per run cost more than the copy.
    @inline(__always)
    static func copyRun(_ d: UnsafeMutablePointer<Float>, _ s: UnsafePointer<Float>, _ n: Int) {
        if n > 32 { d.update(from: s, count: n); return }
        var i = 0
        while i < n { d[i] = s[i]; i += 1 }
    }

    // dy, y: [rows, F] -> dz = dy where y > 0 else 0; columnSums[F] += sum over rows of dz
    /// ReLU's gradient from its output (y > 0 exactly where z > 0) fused with the bias gradient, so the
    /// pre-activation need not be kept. A select, as TensorFlow's ReluGrad, so an infinite dy where
    /// y = 0 gives 0, not NaN.
    package static func reluGradient(_ dy: UnsafePointer<Float>, y: UnsafePointer<Float>, dz: UnsafeMutablePointer<Float>,
                                    rows: Int, cols: Int, columnSums: UnsafeMutablePointer<Float>?) {
        var r = 0
        while r < rows {
            // Two rows per step: the column sums' load-add-store chain is half as long.
            let o = r * cols, two = r + 1 < rows
            var i = 0
            while i + 8 <= cols {
                var v = reluGrad8(dy + o + i, y + o + i, dz + o + i)
                if two { v += reluGrad8(dy + o + cols + i, y + o + cols + i, dz + o + cols + i) }
                if let columnSums {
                    UnsafeMutableRawPointer(columnSums + i).storeBytes(of: load8(columnSums + i) + v, as: SIMD8<Float>.self)
                }
                i += 8
            }
            for rr in r..<(two ? r + 2 : r + 1) {
                for j in i..<cols {
                    let v = y[rr * cols + j] > 0 ? dy[rr * cols + j] : 0
                    dz[rr * cols + j] = v
                    columnSums?[j] += v
                }
            }
            r += 2
        }
    }

    /// dz = dy where y > 0, else 0, for eight floats; returns dz.
    @inline(__always)
    static func reluGrad8(_ dy: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dz: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        var v = load8(dy)
        v.replace(with: 0, where: .!(load8(y) .> 0))
        UnsafeMutableRawPointer(dz).storeBytes(of: v, as: SIMD8<Float>.self)
        return v
    }

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }

    // cols: [samples * outH * outW, kH * kW * C] -> dx: [samples, inH, inW, C] (accumulated: dx += ...)
    /// The adjoint of `im2col`: adds every column entry back onto the input position it was read from
    /// (padding positions are dropped). The caller zeroes `dx` first.
    package static func col2im(_ cols: UnsafePointer<Float>, samples: Int, _ g: WindowGeometry, _ dx: UnsafeMutablePointer<Float>) {
        let c = g.channels, run = g.kW * c, rowLen = g.patchSize
        var src = cols
        for n in 0..<samples {
            let xs = dx + n * g.inSize
            for oh in 0..<g.outH {
                let ih0 = oh * g.sH - g.padTop
                for ow in 0..<g.outW {
                    let iw0 = ow * g.sW - g.padLeft
                    let contiguous = g.dW == 1 && iw0 >= 0 && iw0 + g.kW <= g.inW
                    for kh in 0..<g.kH {
                        let ih = ih0 + kh * g.dH
                        if ih < 0 || ih >= g.inH { continue }
                        let seg = src + kh * run
                        let xrow = xs + ih * g.inW * c
                        if contiguous {
                            let d = xrow + iw0 * c
                            for i in 0..<run { d[i] += seg[i] }
                            continue
                        }
                        for kw in 0..<g.kW {
                            let iw = iw0 + kw * g.dW
                            if iw < 0 || iw >= g.inW { continue }
                            let d = xrow + iw * c, s = seg + kw * c
                            for i in 0..<c { d[i] += s[i] }
                        }
                    }
                    src += rowLen
                }
            }
        }
    }

}

// MARK: - Config parsing shared by the family

extension LayerConfig {
    /// `data_format`: only channels_last (or absent / null, Keras's default) is supported.
    func requireChannelsLast() throws {
        if let f = try string("data_format", default: nil), f != "channels_last" {
            throw SeqNNError(.unsupported, "\(label): data_format '\(f)' is not supported; SeqNN is channels_last")
        }
    }

    /// A per-axis integer argument (`kernel_size`, `strides`, `pool_size`, `size`, ...): an int for every
    /// axis or a list of `rank` ints (Keras 2 and 3 write lists, users pass either). Each must be >= `min`.
    func spatial(_ key: String, rank: Int, default d: [Int]?, min: Int = 1) throws -> [Int] {
        guard has(key) else {
            guard let d else { throw fail(key, rank == 1 ? "a positive integer" : "an integer or a list of \(rank) integers") }
            return d
        }
        guard let list = json[key]?.intList, !list.contains(where: { $0 == nil }) else {
            throw fail(key, rank == 1 ? "an integer (or a list of one)" : "an integer or a list of \(rank) integers")
        }
        let v = list.map { $0! }
        let out = v.count == 1 ? Array(repeating: v[0], count: rank) : v
        guard out.count == rank, out.allSatisfy({ $0 >= min }) else {
            throw fail(key, (rank == 1 ? "an integer" : "\(rank) integers") + (min == 0 ? " >= 0" : " >= \(min)"))
        }
        return out
    }

    /// `padding` of convolution and pooling layers: "valid" or "same" (any case, as Keras lowercases it),
    /// plus "causal" when allowed (Conv1D).
    func convPadding(allowCausal: Bool = false) throws -> ConvPadding {
        let s = try string("padding", default: "valid")!.lowercased()
        guard let p = ConvPadding(rawValue: s), p != .causal || allowCausal else {
            throw fail("padding", allowCausal ? "\"valid\", \"same\" or \"causal\"" : "\"valid\" or \"same\"")
        }
        return p
    }

    /// The (before, after) pairs of `padding` (ZeroPadding) or `cropping` (Cropping): an int for every side,
    /// a list of one int per axis (symmetric), or (1-D) one (before, after) pair / (2-D) one pair per axis.
    func sidePairs(_ key: String, rank: Int, default d: Int) throws -> [(Int, Int)] {
        guard has(key), let v = json[key] else { return Array(repeating: (d, d), count: rank) }
        let expected = rank == 1 ? "an integer >= 0 or a list [before, after]"
                                 : "an integer >= 0, a list [rows, cols] or a list [[top, bottom], [left, right]]"
        if let n = v.int {
            guard n >= 0 else { throw fail(key, expected) }
            return Array(repeating: (n, n), count: rank)
        }
        guard let items = v.array else { throw fail(key, expected) }
        var pairs = [(Int, Int)]()
        if rank == 1 {
            guard items.count == 2, let a = items[0].int, let b = items[1].int else { throw fail(key, expected) }
            pairs = [(a, b)]
        } else {
            guard items.count == 2 else { throw fail(key, expected) }
            for item in items {
                if let n = item.int { pairs.append((n, n)); continue }
                guard let p = item.intList, p.count == 2, let a = p[0], let b = p[1] else { throw fail(key, expected) }
                pairs.append((a, b))
            }
        }
        guard pairs.allSatisfy({ $0.0 >= 0 && $0.1 >= 0 }) else { throw fail(key, expected) }
        return pairs
    }
}

/// JSON helpers for the family's configs.
func jsonInts(_ v: [Int]) -> JSON { .array(v.map { .number(Double($0)) }) }
func jsonPairs(_ p: [(Int, Int)]) -> JSON { .array(p.map { jsonInts([$0.0, $0.1]) }) }

/// The per-sample shape of a channels_last input of spatial rank 1 or 2 as (height, width, channels),
/// a 1-D [steps, channels] sample being height 1. Throws a shape error naming `label` for another rank.
func spatialDims(_ inputShape: [Int], rank: Int, label: String) throws -> (h: Int, w: Int, c: Int) {
    guard inputShape.count == rank + 1, inputShape.allSatisfy({ $0 > 0 }) else {
        throw SeqNNError.shape("\(label) expects an input of rank \(rank + 2) (batch, \(rank == 1 ? "steps" : "rows, cols"), channels), found \(describeShape(inputShape))")
    }
    return rank == 1 ? (1, inputShape[0], inputShape[1]) : (inputShape[0], inputShape[1], inputShape[2])
}

/// Copies an [h, w, C] block of every sample from `src` (per-sample [srcH, srcW, C], block at row
/// `srcTop`, column `srcLeft`) to `dst` (per-sample [dstH, dstW, C], block at `dstTop`, `dstLeft`).
/// ZeroPadding and Cropping are this copy one way in forward and the other way in backward.
func copyBlock(_ src: UnsafePointer<Float>, srcH: Int, srcW: Int, at srcTop: Int, _ srcLeft: Int,
               _ dst: UnsafeMutablePointer<Float>, dstH: Int, dstW: Int, at dstTop: Int, _ dstLeft: Int,
               h: Int, w: Int, channels c: Int, samples: Int) {
    for n in 0..<samples {
        let s = src + n * srcH * srcW * c, d = dst + n * dstH * dstW * c
        for r in 0..<h {
            (d + ((dstTop + r) * dstW + dstLeft) * c).update(from: s + ((srcTop + r) * srcW + srcLeft) * c, count: w * c)
        }
    }
}
