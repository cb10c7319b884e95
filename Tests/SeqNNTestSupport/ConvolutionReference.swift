import SeqNN

/// The convolution's plain references (Double loop nests), which the tests hold the im2col + GEMM and the
/// direct kernels to (ARCHITECTURE §2: every optimized kernel has a plain reference).
extension ConvKernels {
    // x: [N, inH, inW, C], kernel: [kH, kW, C, F], bias: [F] or nil -> y: [N, outH, outW, F]
    /// Reference convolution (cross-correlation, as Keras computes it): the textbook loop nest summing
    /// in Double. Used by the tests to check the im2col + sgemm path.
    package static func referenceForward(x: [Float], batch: Int, _ g: WindowGeometry, kernel: [Float], bias: [Float]?, filters f: Int) -> [Float] {
        var y = [Float](repeating: 0, count: batch * g.outPositions * f)
        for n in 0..<batch { for oh in 0..<g.outH { for ow in 0..<g.outW { for o in 0..<f {
            var s = Double(bias?[o] ?? 0)
            for kh in 0..<g.kH { for kw in 0..<g.kW {
                let ih = oh * g.sH - g.padTop + kh * g.dH, iw = ow * g.sW - g.padLeft + kw * g.dW
                guard ih >= 0, ih < g.inH, iw >= 0, iw < g.inW else { continue }
                for ci in 0..<g.channels {
                    s += Double(x[((n * g.inH + ih) * g.inW + iw) * g.channels + ci]) * Double(kernel[((kh * g.kW + kw) * g.channels + ci) * f + o])
                }
            } }
            y[((n * g.outH + oh) * g.outW + ow) * f + o] = Float(s)
        } } } }
        return y
    }

    /// Reference gradients of the convolution for dLoss/dy = `dy` [N, outH, outW, F]:
    /// (dx [N, inH, inW, C], dKernel [kH, kW, C, F], dBias [F]), by the same loop nest in Double.
    package static func referenceBackward(x: [Float], batch: Int, _ g: WindowGeometry, kernel: [Float], filters f: Int,
                                         dy: [Float]) -> (dx: [Float], dKernel: [Float], dBias: [Float]) {
        var dx = [Double](repeating: 0, count: x.count), dk = [Double](repeating: 0, count: kernel.count)
        var db = [Double](repeating: 0, count: f)
        for n in 0..<batch { for oh in 0..<g.outH { for ow in 0..<g.outW { for o in 0..<f {
            let d = Double(dy[((n * g.outH + oh) * g.outW + ow) * f + o])
            db[o] += d
            for kh in 0..<g.kH { for kw in 0..<g.kW {
                let ih = oh * g.sH - g.padTop + kh * g.dH, iw = ow * g.sW - g.padLeft + kw * g.dW
                guard ih >= 0, ih < g.inH, iw >= 0, iw < g.inW else { continue }
                for ci in 0..<g.channels {
                    let xi = ((n * g.inH + ih) * g.inW + iw) * g.channels + ci
                    let ki = ((kh * g.kW + kw) * g.channels + ci) * f + o
                    dx[xi] += d * Double(kernel[ki])
                    dk[ki] += d * Double(x[xi])
                }
            } }
        } } } }
        return (dx.map(Float.init), dk.map(Float.init), db.map(Float.init))
    }
}
