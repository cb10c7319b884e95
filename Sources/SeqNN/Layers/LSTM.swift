import CSeqNNKernels

/// `keras.layers.LSTM`.
///
/// Weights (Keras order): `kernel (in, 4u)`, `recurrent_kernel (u, 4u)`, `bias (4u,)`, column blocks in the
/// order i, f, c, o. Per step: z = x.K + h.R + b; i, f, o = recurrent_activation; g = activation(z_c);
/// c = f*c + i*g; h = o*activation(c). `unit_forget_bias` (default true) initialises the forget block of
/// the bias to ones, the rest with bias_initializer, as Keras does.
package final class LSTM: RecurrentLayer, @unchecked Sendable {
    override package class var kerasClassName: String { "LSTM" }
    override var cellName: String { "lstm_cell" }
    override var gateCount: Int { 4 }
    override var hasCarry: Bool { true }
    package let unitForgetBias: Bool

    // Cell buffers: c [T+1, B, u] (c[0] initial), act(c) [T, B, u], dc [B, u], and zh, the fused path's
    // recurrent product of one step, [B, 4u]: a small buffer the gemm writes with beta 0 and the step kernel
    // adds to z while it reads it (instead of a beta-1 gemm that reads and writes z).
    enum Cell: Int, BufferName { case c, actC, dc, zh }

    package init(units: Int, options: RecurrentOptions = RecurrentOptions(), unitForgetBias: Bool = true, name: String = "lstm") throws {
        self.unitForgetBias = unitForgetBias
        try super.init(units: units, options: options, name: name)
    }

    override func initializeBias(_ b: Parameter, rng: inout SeededGenerator) {
        guard unitForgetBias else { return super.initializeBias(b, rng: &rng) }
        // Keras: concat(bias_initializer((u,)), ones((u,)), bias_initializer((2u,))).
        let u = units
        let first = Tensor(shape: [u]), rest = Tensor(shape: [2 * u])
        biasInitializer.fill(first, rng: &rng)
        biasInitializer.fill(rest, rng: &rng)
        b.value.data.update(from: first.data, count: u)
        (b.value.data + u).update(repeating: 1, count: u)
        (b.value.data + 2 * u).update(from: rest.data, count: 2 * u)
    }

    override func prepareCarry(_ s: RNNScratch, B: Int) -> UnsafeMutablePointer<Float>? {
        RNNKernels.ensureShape(s[cell: Cell.c], timesteps + 1, B, units)
        return s[cell: Cell.c].data
    }

    override func finalCarry(_ s: RNNScratch, B: Int) -> UnsafePointer<Float>? {
        UnsafePointer(s[cell: Cell.c].data + timesteps * B * units)
    }

    override func carry(_ s: RNNScratch) -> UnsafeMutablePointer<Float>? { s[cell: Cell.c].data }
    override func carryGradient(_ s: RNNScratch) -> UnsafeMutablePointer<Float>? { s[cell: Cell.dc].data }

    /// Whether the step loops may take the fused path (Keras's default activations only): one C kernel
    /// call per step (CSeqNNKernels, AVX-512 where the CPU has it) instead of six passes over the gate
    /// values in each direction, which were a third of W5's time at SSE width. Tests turn it off to compare
    /// it with the plain per-gate loops below, which stay the reference.
    var fusedSteps = true
    private var fused: Bool { fusedSteps && act.kind == .tanh && recAct.kind == .sigmoid }

    override func runForward(_ s: RNNScratch, B: Int, nr: Int) {
        let u = units, gu = 4 * u, n = B * u, T = timesteps
        guard fused else { return runForwardPlain(s, B: B, nr: nr) }
        let za = s[Slot.a], ac = s[cell: Cell.actC], zhT = s[cell: Cell.zh]
        RNNKernels.ensureShape(za, T, B, gu)
        RNNKernels.ensureShape(ac, T, B, u)
        RNNKernels.ensureShape(zhT, B, gu)
        let z = s[Slot.z].data, a = za.data, h = s[Slot.h].data, c = s[cell: Cell.c].data, actC = ac.data, zh = zhT.data
        for st in 0..<T {
            prepareOperands(s, step: st, B: B, nr: nr)
            let zs = z + st * B * gu, gs = a + st * B * gu
            recurrentProduct(s, step: st, B: B, nr: nr, blocks: 0..<4, c: zh, ldc: gu, beta: 0)
            SeqNNKernels_lstm_forward_step(zs, zh, gs, c + st * n, c + (st + 1) * n, actC + st * n, h + (st + 1) * n, B, u)
            carryMaskedRows(s, step: st, B: B)
        }
    }

    /// The reference step loop: one pass per gate activation, then the state update; any activations.
    func runForwardPlain(_ s: RNNScratch, B: Int, nr: Int) {
        let u = units, gu = 4 * u, n = B * u, T = timesteps
        let za = s[Slot.a], ac = s[cell: Cell.actC]
        RNNKernels.ensureShape(za, T, B, gu)
        RNNKernels.ensureShape(ac, T, B, u)
        let z = s[Slot.z].data, a = za.data, h = s[Slot.h].data, c = s[cell: Cell.c].data, actC = ac.data
        for st in 0..<T {
            prepareOperands(s, step: st, B: B, nr: nr)
            let zs = z + st * B * gu, gs = a + st * B * gu
            recurrentProduct(s, step: st, B: B, nr: nr, blocks: 0..<4, c: zs, ldc: gu, beta: 1)
            recAct.forward(zs, gs, rows: B, cols: u, ld: gu)                   // i
            recAct.forward(zs + u, gs + u, rows: B, cols: u, ld: gu)           // f
            act.forward(zs + 2 * u, gs + 2 * u, rows: B, cols: u, ld: gu)      // g
            recAct.forward(zs + 3 * u, gs + 3 * u, rows: B, cols: u, ld: gu)   // o
            let cp = c + st * n, cn = c + (st + 1) * n, acs = actC + st * n, hn = h + (st + 1) * n
            for b in 0..<B {
                let g = gs + b * gu, o = b * u
                for j in 0..<u { cn[o + j] = g[u + j] * cp[o + j] + g[j] * g[2 * u + j] }
            }
            act.forward(cn, acs, rows: B, cols: u, ld: u)
            for b in 0..<B {
                let g = gs + b * gu, o = b * u
                for j in 0..<u { hn[o + j] = g[3 * u + j] * acs[o + j] }
            }
            carryMaskedRows(s, step: st, B: B)
        }
    }

    override func runBackward(_ s: RNNScratch, dy: Tensor, B: Int, nr: Int) {
        guard fused else { return runBackwardPlain(s, dy: dy, B: B, nr: nr) }
        let u = units, gu = 4 * u, n = B * u, T = timesteps
        let dcT = s[cell: Cell.dc]
        RNNKernels.ensureShape(dcT, B, u)
        dcT.fill(0)
        let a = s[Slot.a].data, c = s[cell: Cell.c].data, actC = s[cell: Cell.actC].data
        let dz = s[Slot.dz].data, dh = s[Slot.dh].data, dc = dcT.data
        for st in (0..<T).reversed() {
            addOutputGradient(dy, step: st, into: dh, B: B, s)
            let gs = a + st * B * gu, dzs = dz + st * B * gu
            SeqNNKernels_lstm_backward_step(gs, c + st * n, actC + st * n, dh, dc, dzs, B, u)
            recurrentInputGrad(s, B: B, nr: nr, blocks: 0..<4, dC: dzs, lddc: gu, into: dh, accumulate: false)
            restoreMaskedRows(s, step: st, B: B)
        }
        recurrentWeightGrad(s, B: B, nr: nr, blocks: 0..<4, dC: dz, lddc: gu)
    }

    /// The reference backward loop, pass by pass as the plain forward; any activations.
    func runBackwardPlain(_ s: RNNScratch, dy: Tensor, B: Int, nr: Int) {
        let u = units, gu = 4 * u, n = B * u, T = timesteps
        let dcT = s[cell: Cell.dc], tmpT = s[Slot.tmp]
        RNNKernels.ensureShape(dcT, B, u)
        RNNKernels.ensureShape(tmpT, B, u)
        dcT.fill(0)
        let z = s[Slot.z].data, a = s[Slot.a].data, c = s[cell: Cell.c].data, actC = s[cell: Cell.actC].data
        let dz = s[Slot.dz].data, dh = s[Slot.dh].data, dc = dcT.data, tmp = tmpT.data
        for st in (0..<T).reversed() {
            addOutputGradient(dy, step: st, into: dh, B: B, s)
            let zs = z + st * B * gu, gs = a + st * B * gu, dzs = dz + st * B * gu
            let cp = c + st * n, cn = c + (st + 1) * n, acs = actC + st * n
            // tmp = dL/dc through h = o * act(c)
            for b in 0..<B {
                let g = gs + b * gu, o = b * u
                for j in 0..<u { tmp[o + j] = dh[o + j] * g[3 * u + j] }
            }
            act.backward(x: cn, y: acs, dy: tmp, dx: tmp, rows: B, cols: u, ld: u)
            for b in 0..<B {
                let g = gs + b * gu, d = dzs + b * gu, o = b * u
                for j in 0..<u {
                    let dct = dc[o + j] + tmp[o + j]
                    d[j] = dct * g[2 * u + j]            // d i
                    d[u + j] = dct * cp[o + j]           // d f
                    d[2 * u + j] = dct * g[j]            // d g
                    d[3 * u + j] = dh[o + j] * acs[o + j] // d o
                    dc[o + j] = dct * g[u + j]
                }
            }
            recAct.backward(x: zs, y: gs, dy: dzs, dx: dzs, rows: B, cols: u, ld: gu)
            recAct.backward(x: zs + u, y: gs + u, dy: dzs + u, dx: dzs + u, rows: B, cols: u, ld: gu)
            act.backward(x: zs + 2 * u, y: gs + 2 * u, dy: dzs + 2 * u, dx: dzs + 2 * u, rows: B, cols: u, ld: gu)
            recAct.backward(x: zs + 3 * u, y: gs + 3 * u, dy: dzs + 3 * u, dx: dzs + 3 * u, rows: B, cols: u, ld: gu)
            recurrentInputGrad(s, B: B, nr: nr, blocks: 0..<4, dC: dzs, lddc: gu, into: dh, accumulate: false)
            restoreMaskedRows(s, step: st, B: B)
        }
        recurrentWeightGrad(s, B: B, nr: nr, blocks: 0..<4, dC: dz, lddc: gu)
    }

    override package func layerConfig() -> [(String, JSON)] {
        recurrentConfig(extra: [("unit_forget_bias", .bool(unitForgetBias))], recurrentActivation: true)
    }

}

extension LSTM {
    convenience init(config c: LayerConfig) throws {
        try self.init(units: RecurrentOptions.units(c), options: RecurrentOptions(config: c, hasRecurrentActivation: true),
                      unitForgetBias: c.bool("unit_forget_bias", default: true), name: c.name ?? "lstm")
    }
}
