/// `keras.layers.SimpleRNN`: h_t = activation(x_t . kernel + h_{t-1} . recurrent_kernel + bias).
///
/// Weights (Keras order): `kernel (in, u)`, `recurrent_kernel (u, u)`, `bias (u,)`. Inputs (batch, T, in);
/// outputs (batch, u), or (batch, T, u) with return_sequences. See `RecurrentLayer` for the shared options
/// (go_backwards, stateful, dropout, recurrent_dropout).
package final class SimpleRNN: RecurrentLayer, @unchecked Sendable {
    override package class var kerasClassName: String { "SimpleRNN" }
    override var cellName: String { "simple_rnn_cell" }

    override package init(units: Int, options: RecurrentOptions = RecurrentOptions(), name: String = "simple_rnn") throws {
        try super.init(units: units, options: options, name: name)
    }

    // z[s] = x.W + b (already there) + h[s].R; h[s+1] = act(z[s]).
    override func runForward(_ s: RNNScratch, B: Int, nr: Int) {
        let u = units, n = B * u
        let z = s[Slot.z].data, h = s[Slot.h].data
        for st in 0..<timesteps {
            prepareOperands(s, step: st, B: B, nr: nr)
            recurrentProduct(s, step: st, B: B, nr: nr, blocks: 0..<1, c: z + st * n, ldc: u, beta: 1)
            act.forward(z + st * n, h + (st + 1) * n, rows: B, cols: u, ld: u)
            carryMaskedRows(s, step: st, B: B)
        }
    }

    // dz[s] = dh * act'(z[s]); dh(prev) = dz[s] . R^T (times the recurrent mask).
    override func runBackward(_ s: RNNScratch, dy: Tensor, B: Int, nr: Int) {
        let u = units, n = B * u
        let z = s[Slot.z].data, h = s[Slot.h].data, dz = s[Slot.dz].data, dh = s[Slot.dh].data
        for st in (0..<timesteps).reversed() {
            addOutputGradient(dy, step: st, into: dh, B: B, s)
            act.backward(x: z + st * n, y: h + (st + 1) * n, dy: dh, dx: dz + st * n, rows: B, cols: u, ld: u)
            recurrentInputGrad(s, B: B, nr: nr, blocks: 0..<1, dC: dz + st * n, lddc: u, into: dh, accumulate: false)
            restoreMaskedRows(s, step: st, B: B)
        }
        recurrentWeightGrad(s, B: B, nr: nr, blocks: 0..<1, dC: dz, lddc: u)
    }

    override package func layerConfig() -> [(String, JSON)] { recurrentConfig(extra: [], recurrentActivation: false) }

}

extension SimpleRNN {
    convenience init(config c: LayerConfig) throws {
        try self.init(units: RecurrentOptions.units(c), options: RecurrentOptions(config: c, hasRecurrentActivation: false),
                      name: c.name ?? "simple_rnn")
    }
}
