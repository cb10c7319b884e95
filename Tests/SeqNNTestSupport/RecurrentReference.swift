import SeqNN

/// The recurrent cells' plain references (Double, inference), which the tests hold the fused step kernels to
/// (ARCHITECTURE §2).
extension RecurrentLayer {
    /// Plain loops in Double for tests: the inference forward pass of this layer from `initial` states
    /// (zeros when nil), through `cell`, which maps (x_t, h, c) to (h, c) for one sample.
    package func referenceLoop(_ x: [Float], batch: Int, initial: [[Float]]?,
                       cell: ([Double], [Double], [Double]) -> ([Double], [Double])) -> [Float] {
        let T = timesteps, I = inputDim, u = units
        var out = [Float]()
        var last = [[Double]](repeating: [], count: batch)
        var seq = [[Float]](repeating: [], count: batch)
        for b in 0..<batch {
            var h = [Double](repeating: 0, count: u), c = h
            if let initial, initial.count > 0 { h = (0..<u).map { Double(initial[0][b * u + $0]) } }
            if let initial, initial.count > 1 { c = (0..<u).map { Double(initial[1][b * u + $0]) } }
            for st in 0..<T {
                let t = goBackwards ? T - 1 - st : st
                let xt = (0..<I).map { Double(x[(b * T + t) * I + $0]) }
                (h, c) = cell(xt, h, c)
                seq[b] += h.map(Float.init)
            }
            last[b] = h
        }
        for b in 0..<batch { out += returnSequences ? seq[b] : last[b].map(Float.init) }
        return out
    }

    /// sum_i x[i] * W[i, col] over a row-major [rows, cols] weight, in Double.
    package static func dotColumn(_ x: [Double], _ w: Tensor, _ col: Int) -> Double {
        let cols = w.shape[1]
        var s = 0.0
        for i in 0..<x.count { s += x[i] * Double(w.data[i * cols + col]) }
        return s
    }

    /// An activation applied to a whole block of values as Keras applies it to one gate ([u] per sample).
    package static func apply(_ f: any ActivationFunction, _ v: [Double]) -> [Double] {
        let xin = v.map(Float.init)
        var y = [Float](repeating: 0, count: v.count)
        f.forward(xin, &y, rows: 1, cols: v.count)
        return y.map(Double.init)
    }
}

extension LSTM {
    /// The plain-loop reference of the cell (Double, inference) for tests: outputs for x [batch, T, in],
    /// from `initialStates` [h, c] (batch * units each) or zeros.
    package func referenceForward(_ x: [Float], batch: Int, initialStates: [[Float]]? = nil) -> [Float] {
        guard let kernel, let recurrentKernel else { return [] }
        let u = units
        return referenceLoop(x, batch: batch, initial: initialStates) { xt, h, c in
            var pre = [Double](repeating: 0, count: 4 * u)
            for j in 0..<4 * u {
                pre[j] = RecurrentLayer.dotColumn(xt, kernel.value, j) + RecurrentLayer.dotColumn(h, recurrentKernel.value, j)
                    + (bias.map { Double($0.value.data[j]) } ?? 0)
            }
            let i = RecurrentLayer.apply(recurrentActivation, Array(pre[0..<u]))
            let f = RecurrentLayer.apply(recurrentActivation, Array(pre[u..<2 * u]))
            let g = RecurrentLayer.apply(activation, Array(pre[2 * u..<3 * u]))
            let o = RecurrentLayer.apply(recurrentActivation, Array(pre[3 * u..<4 * u]))
            let cn = (0..<u).map { f[$0] * c[$0] + i[$0] * g[$0] }
            let ac = RecurrentLayer.apply(activation, cn)
            return ((0..<u).map { o[$0] * ac[$0] }, cn)
        }
    }
}

extension GRU {
    /// The plain-loop reference of the cell (Double, inference) for tests: outputs for x [batch, T, in].
    package func referenceForward(_ x: [Float], batch: Int, initialStates: [[Float]]? = nil) -> [Float] {
        guard let kernel, let recurrentKernel else { return [] }
        let u = units
        let b: (Int) -> Double = { i in self.bias.map { Double($0.value.data[i]) } ?? 0 }
        return referenceLoop(x, batch: batch, initial: initialStates) { xt, h, c in
            var xz = [Double](repeating: 0, count: 3 * u), hz = xz
            for j in 0..<3 * u {
                xz[j] = RecurrentLayer.dotColumn(xt, kernel.value, j) + b(j)
                if resetAfter || j < 2 * u { hz[j] = RecurrentLayer.dotColumn(h, recurrentKernel.value, j) + (resetAfter ? b(3 * u + j) : 0) }
            }
            let z = RecurrentLayer.apply(recurrentActivation, (0..<u).map { xz[$0] + hz[$0] })
            let r = RecurrentLayer.apply(recurrentActivation, (0..<u).map { xz[u + $0] + hz[u + $0] })
            var candidate = [Double](repeating: 0, count: u)
            if resetAfter {
                for j in 0..<u { candidate[j] = xz[2 * u + j] + r[j] * hz[2 * u + j] }
            } else {
                let rh = (0..<u).map { r[$0] * h[$0] }
                for j in 0..<u { candidate[j] = xz[2 * u + j] + RecurrentLayer.dotColumn(rh, recurrentKernel.value, 2 * u + j) }
            }
            let hh = RecurrentLayer.apply(activation, candidate)
            return ((0..<u).map { z[$0] * h[$0] + (1 - z[$0]) * hh[$0] }, c)
        }
    }
}

extension SimpleRNN {
    /// The plain-loop reference of the cell (Double, inference) for tests: outputs for x [batch, T, in].
    package func referenceForward(_ x: [Float], batch: Int, initialStates: [[Float]]? = nil) -> [Float] {
        guard let kernel, let recurrentKernel else { return [] }
        let u = units
        return referenceLoop(x, batch: batch, initial: initialStates) { xt, h, c in
            var pre = [Double](repeating: 0, count: u)
            for j in 0..<u {
                pre[j] = RecurrentLayer.dotColumn(xt, kernel.value, j) + RecurrentLayer.dotColumn(h, recurrentKernel.value, j)
                    + (bias.map { Double($0.value.data[j]) } ?? 0)
            }
            return (RecurrentLayer.apply(activation, pre), c)
        }
    }
}
