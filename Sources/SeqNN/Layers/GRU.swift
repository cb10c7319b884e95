/// `keras.layers.GRU`, both `reset_after` modes.
///
/// Weights (Keras order): `kernel (in, 3u)`, `recurrent_kernel (u, 3u)`, column blocks z (update), r (reset),
/// h (candidate); `bias` is (2, 3u) with reset_after=true (row 0 input bias, row 1 recurrent bias) and (3u,)
/// with reset_after=false. Per step, with xz = x.K + b_in:
///   reset_after=true (Keras's default):  hz = h.R + b_rec; z = σ(xz_z + hz_z); r = σ(xz_r + hz_r);
///                                        ĥ = act(xz_h + r * hz_h)
///   reset_after=false:                   z = σ(xz_z + h.R_z); r = σ(xz_r + h.R_r); ĥ = act(xz_h + (r*h).R_h)
///   h = z*h_prev + (1-z)*ĥ
package final class GRU: RecurrentLayer, @unchecked Sendable {
    override package class var kerasClassName: String { "GRU" }
    override var cellName: String { "gru_cell" }
    override var gateCount: Int { 3 }
    override var biasShape: [Int] { resetAfter ? [2, 3 * units] : [3 * units] }
    package let resetAfter: Bool

    // Cell buffers: rz = the recurrent part per block [T, B, 3u] (reset_after: h.R + b_rec; otherwise z, r
    // blocks h.R and h block (r*h).R), pre = the gates' pre-activations [T, B, 3u], rhin = r*h (reset_after
    // false) [T, B, u], drz = dLoss/d(rz) [T, B, 3u].
    // drh: dLoss/d(r*h) [B, u] (reset_after false).
    enum Cell: Int, BufferName { case rz, pre, rhin, drz, drh }

    package init(units: Int, options: RecurrentOptions = RecurrentOptions(), resetAfter: Bool = true, name: String = "gru") throws {
        self.resetAfter = resetAfter
        try super.init(units: units, options: options, name: name)
    }

    override func runForward(_ s: RNNScratch, B: Int, nr: Int) {
        let u = units, gu = 3 * u, n = B * u, T = timesteps
        let aT = s[Slot.a], rzT = s[cell: Cell.rz], preT = s[cell: Cell.pre]
        RNNKernels.ensureShape(aT, T, B, gu)
        RNNKernels.ensureShape(rzT, T, B, gu)
        RNNKernels.ensureShape(preT, T, B, gu)
        if !resetAfter { RNNKernels.ensureShape(s[cell: Cell.rhin], T, B, u) }
        let xz = s[Slot.z].data, a = aT.data, rz = rzT.data, pre = preT.data, h = s[Slot.h].data
        let recBias = resetAfter ? bias.map { UnsafePointer($0.value.data + gu) } : nil
        for st in 0..<T {
            prepareOperands(s, step: st, B: B, nr: nr)
            let o = st * B * gu
            let xs = xz + o, rs = rz + o, ps = pre + o, gs = a + o
            recurrentProduct(s, step: st, B: B, nr: nr, blocks: resetAfter ? 0..<3 : 0..<2, c: rs, ldc: gu, beta: 0)
            if let recBias { Kernels.addRowVector(rs, rows: B, cols: gu, recBias) }
            for b in 0..<B {
                let r = b * gu
                for j in 0..<2 * u { ps[r + j] = xs[r + j] + rs[r + j] }
            }
            recAct.forward(ps, gs, rows: B, cols: u, ld: gu)            // z
            recAct.forward(ps + u, gs + u, rows: B, cols: u, ld: gu)    // r
            if !resetAfter {
                // rz_h = (r * h_prev) . R_h
                let hh = operand(s, gate: 2, step: st, B: B, nr: nr), rh = s[cell: Cell.rhin].data + st * n
                for b in 0..<B {
                    for j in 0..<u { rh[b * u + j] = gs[b * gu + u + j] * hh[b * u + j] }
                }
                Kernels.gemm(false, false, m: B, n: u, k: u, a: rh, lda: u, b: recurrentKernel!.value.data + 2 * u, ldb: gu,
                                c: rs + 2 * u, ldc: gu)
            }
            for b in 0..<B {
                let r = b * gu
                for j in 0..<u {
                    ps[r + 2 * u + j] = xs[r + 2 * u + j] + (resetAfter ? gs[r + u + j] * rs[r + 2 * u + j] : rs[r + 2 * u + j])
                }
            }
            act.forward(ps + 2 * u, gs + 2 * u, rows: B, cols: u, ld: gu)   // ĥ
            let hp = h + st * n, hn = h + (st + 1) * n
            for b in 0..<B {
                let r = b * gu, q = b * u
                for j in 0..<u {
                    let zv = gs[r + j]
                    hn[q + j] = zv * hp[q + j] + (1 - zv) * gs[r + 2 * u + j]
                }
            }
            carryMaskedRows(s, step: st, B: B)
        }
    }

    override func runBackward(_ s: RNNScratch, dy: Tensor, B: Int, nr: Int) {
        let u = units, gu = 3 * u, n = B * u, T = timesteps
        let drzT = s[cell: Cell.drz], tmpT = s[Slot.tmp], tmp3T = s[cell: Cell.drh]
        RNNKernels.ensureShape(drzT, T, B, gu)
        RNNKernels.ensureShape(tmpT, B, u)
        RNNKernels.ensureShape(tmp3T, B, u)
        let a = s[Slot.a].data, rz = s[cell: Cell.rz].data, pre = s[cell: Cell.pre].data, h = s[Slot.h].data
        let dxz = s[Slot.dz].data, drz = drzT.data, dh = s[Slot.dh].data, direct = tmpT.data, drh = tmp3T.data
        let mask = s[Slot.recMask].data
        for st in (0..<T).reversed() {
            addOutputGradient(dy, step: st, into: dh, B: B, s)
            let o = st * B * gu
            let gs = a + o, rs = rz + o, ps = pre + o, dxs = dxz + o, drs = drz + o
            let hp = h + st * n
            for b in 0..<B {
                let r = b * gu, q = b * u
                for j in 0..<u {
                    let zv = gs[r + j], d = dh[q + j]
                    dxs[r + j] = d * (hp[q + j] - gs[r + 2 * u + j])     // d z
                    dxs[r + 2 * u + j] = d * (1 - zv)                     // d ĥ
                    direct[q + j] = d * zv                                // through h = z*h_prev
                }
            }
            recAct.backward(x: ps, y: gs, dy: dxs, dx: dxs, rows: B, cols: u, ld: gu)
            act.backward(x: ps + 2 * u, y: gs + 2 * u, dy: dxs + 2 * u, dx: dxs + 2 * u, rows: B, cols: u, ld: gu)
            if resetAfter {
                for b in 0..<B {
                    let r = b * gu
                    for j in 0..<u {
                        let dph = dxs[r + 2 * u + j]
                        dxs[r + u + j] = dph * rs[r + 2 * u + j]          // d r
                        drs[r + 2 * u + j] = dph * gs[r + u + j]          // d (h.R_h + b)
                    }
                }
            } else {
                // ĥ's recurrent part is (r*h).R_h: d(r*h) = dpre_h . R_h^T
                Kernels.gemm(false, false, m: B, n: u, k: u, a: dxs + 2 * u, lda: gu, b: s[Slot.rt].data + 2 * u * u, ldb: u,
                                c: drh, ldc: u)   // R_h^T: rows 2u..<3u of R^T
                let hh = operand(s, gate: 2, step: st, B: B, nr: nr)
                for b in 0..<B {
                    let r = b * gu, q = b * u
                    for j in 0..<u {
                        dxs[r + u + j] = drh[q + j] * hh[q + j]           // d r
                        drs[r + 2 * u + j] = dxs[r + 2 * u + j]           // d (rz_h), for dR_h
                        direct[q + j] += drh[q + j] * gs[r + u + j] * (nr == 0 ? 1 : mask[(nr == 1 ? 0 : 2) * n + q + j])
                    }
                }
            }
            recAct.backward(x: ps + u, y: gs + u, dy: dxs + u, dx: dxs + u, rows: B, cols: u, ld: gu)
            for b in 0..<B {
                let r = b * gu
                for j in 0..<2 * u { drs[r + j] = dxs[r + j] }
            }
            dh.update(from: direct, count: n)
            recurrentInputGrad(s, B: B, nr: nr, blocks: resetAfter ? 0..<3 : 0..<2, dC: drs, lddc: gu, into: dh, accumulate: true)
            restoreMaskedRows(s, step: st, B: B)
        }
        recurrentWeightGrad(s, B: B, nr: nr, blocks: resetAfter ? 0..<3 : 0..<2, dC: drz, lddc: gu)
        if !resetAfter, let rk = recurrentKernel, rk.trainable {
            Kernels.gemm(true, false, m: u, n: u, k: T * B, a: s[cell: Cell.rhin].data, lda: u, b: drz + 2 * u, ldb: gu,
                            beta: 1, c: rk.grad.data + 2 * u, ldc: gu)
        }
        if resetAfter, let bias, bias.trainable {
            Kernels.accumulateColumnSums(drz, rows: T * B, cols: gu, into: bias.grad.data + gu)
        }
    }

    override func zeroCellGradients(_ s: RNNScratch, step st: Int, row b: Int, B: Int) {
        let gu = 3 * units
        (s[cell: Cell.drz].data + (st * B + b) * gu).update(repeating: 0, count: gu)
    }

    override package func layerConfig() -> [(String, JSON)] {
        recurrentConfig(extra: [("reset_after", .bool(resetAfter))], recurrentActivation: true)
    }

}

extension GRU {
    convenience init(config c: LayerConfig) throws {
        try self.init(units: RecurrentOptions.units(c), options: RecurrentOptions(config: c, hasRecurrentActivation: true),
                      resetAfter: c.bool("reset_after", default: true), name: c.name ?? "gru")
    }
}
