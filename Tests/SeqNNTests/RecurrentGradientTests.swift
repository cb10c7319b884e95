// Recurrent layers' backward passes (BPTT) against central finite differences of sum(y * r): every weight
// and the input, for SimpleRNN, LSTM, GRU (both reset_after modes), Bidirectional (every merge mode) and
// TimeDistributed(Dense), with and without return_sequences, go_backwards, bias, dropout and recurrent
// dropout (the masks come from a generator reset to the same seed for every evaluation, so they are held
// fixed), and with activations that take the generic (non-inlined) path.
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SeqNN

struct RNNCase: CustomTestStringConvertible, Sendable {
    let kind: String            // SimpleRNN, LSTM, GRU, GRUBefore
    var returnSequences = false
    var goBackwards = false
    var useBias = true
    var dropout: Float = 0
    var recurrentDropout: Float = 0
    var activation = "tanh"
    var recurrentActivation = "sigmoid"
    var testDescription: String {
        "\(kind) seq=\(returnSequences) back=\(goBackwards) bias=\(useBias) drop=\(dropout)/\(recurrentDropout) act=\(activation)/\(recurrentActivation)"
    }
}

let rnnGradientCases: [RNNCase] = ["SimpleRNN", "LSTM", "GRU", "GRUBefore"].flatMap { k in
    [RNNCase(kind: k),
     RNNCase(kind: k, returnSequences: true, goBackwards: true),
     RNNCase(kind: k, useBias: false),
     RNNCase(kind: k, returnSequences: true, dropout: 0.3),                       // one shared input mask
     RNNCase(kind: k, dropout: 0.25, recurrentDropout: 0.4),                      // per-gate masks (LSTM, GRU)
     RNNCase(kind: k, returnSequences: true, goBackwards: true, recurrentDropout: 0.3),
     RNNCase(kind: k, activation: "softsign", recurrentActivation: "softmax")]    // generic activation path
}

/// A recurrent layer of `c.kind` with `units` and the case's options.
func makeRNN(_ c: RNNCase, units: Int, stateful: Bool = false) throws -> RecurrentLayer {
    var o = RecurrentOptions(returnSequences: c.returnSequences, goBackwards: c.goBackwards, stateful: stateful,
                             dropout: c.dropout, recurrentDropout: c.recurrentDropout)
    o.useBias = c.useBias
    o.activation = try Activations.named(c.activation)
    o.recurrentActivation = try Activations.named(c.recurrentActivation)
    switch c.kind {
    case "SimpleRNN": return try SimpleRNN(units: units, options: o)
    case "LSTM": return try LSTM(units: units, options: o)
    case "GRU": return try GRU(units: units, options: o, resetAfter: true)
    default: return try GRU(units: units, options: o, resetAfter: false)
    }
}

/// Overwrites every weight with uniform values in [-scale, scale].
func randomizeWeights(_ layer: Layer, seed: UInt64, scale: Double = 0.6) {
    var r = TestRandom(seed)
    for p in layer.parameters {
        for i in 0..<p.value.count { p.value.data[i] = Float(r.uniform(-scale, scale)) }
    }
}

/// Checks a layer's backward pass against finite differences over every parameter and the input.
/// `training` forwards with the given generator seed each time (fixed dropout masks).
func checkGradients(_ layer: Layer, x: Tensor, training: Bool = true, inputGradient: Bool = true, _ what: String,
                    rtol: Double = 5e-3, atol: Double = 1.5e-3, sourceLocation: SourceLocation = #_sourceLocation) {
    let state = LayerState()
    var rng = SeededGenerator(seed: 99)
    layer.forward(x, state, training: training, rng: &rng)
    var rr = TestRandom(17)
    let r = rr.floats(state.output.count, -1, 1)
    for p in layer.parameters { p.grad.fill(0) }
    layer.backward(x, Tensor(shape: state.output.shape, values: r), state, needInputGrad: inputGradient)
    func objective() -> Double {
        let s = LayerState()
        var g = SeededGenerator(seed: 99)
        layer.forward(x, s, training: training, rng: &g)
        return dot(s.output, r)
    }
    for p in layer.parameters {
        expectClose(p.grad.doubles, numericGradient(p.value.data, count: p.value.count, objective), rtol: rtol, atol: atol,
                    "\(what): \(p.name)", sourceLocation: sourceLocation)
    }
    if inputGradient {
        #expect(state.gradInput.shape == x.shape, "\(what): input gradient shape", sourceLocation: sourceLocation)
        expectClose(state.gradInput.doubles, numericGradient(x.data, count: x.count, objective), rtol: rtol, atol: atol,
                    "\(what): input", sourceLocation: sourceLocation)
    }
}

struct RecurrentGradientTests {
    @Test(arguments: rnnGradientCases)
    func recurrentGradientsMatchFiniteDifferences(_ c: RNNCase) throws {
        let layer = try built(makeRNN(c, units: 3), [4, 2])
        randomizeWeights(layer, seed: 3)
        var r = TestRandom(11)
        let x = Tensor(shape: [2, 4, 2], values: r.floats(16, -1.5, 1.5))
        checkGradients(layer, x: x, c.testDescription)
    }

    @Test func gradientsAccumulateAcrossCalls() throws {
        let lstm = try built(LSTM(units: 2), [3, 2])
        randomizeWeights(lstm, seed: 5)
        var r = TestRandom(2)
        let x = Tensor(shape: [2, 3, 2], values: r.floats(12, -1, 1))
        let dy = Tensor(shape: [2, 2], values: r.floats(4, -1, 1))
        let state = LayerState()
        var g = SeededGenerator(seed: 0)
        lstm.forward(x, state, training: true, rng: &g)
        lstm.backward(x, dy, state, needInputGrad: false)
        let once = lstm.parameters.map(\.grad.array)
        lstm.forward(x, state, training: true, rng: &g)
        lstm.backward(x, dy, state, needInputGrad: false)
        for (p, o) in zip(lstm.parameters, once) { expectClose(p.grad.array, o.map { 2 * Double($0) }, "\(p.name) accumulates") }
    }

    /// The fused LSTM step (one vectorised pass, Keras's default activations) against the plain per-gate loops
    /// that stay its reference: outputs, the input gradient and every weight gradient of a training pass, with
    /// 19 units so both the vector body and the scalar tail run. The fused path does the plain path's float
    /// operations in the same order; the tolerance only allows for a kernel that contracts them into FMAs.
    @Test(arguments: [RNNCase(kind: "LSTM"), RNNCase(kind: "LSTM", returnSequences: true, goBackwards: true),
                      RNNCase(kind: "LSTM", useBias: false, dropout: 0.2, recurrentDropout: 0.3)])
    func fusedLSTMStepMatchesThePlainPath(_ c: RNNCase) throws {
        let lstm = try #require(try built(makeRNN(c, units: 19), [6, 5]) as? LSTM)
        randomizeWeights(lstm, seed: 4, scale: 0.8)
        var r = TestRandom(8)
        let x = Tensor(shape: [3, 6, 5], values: r.floats(90, -2, 2))
        func pass(fused: Bool) -> [[Float]] {
            lstm.fusedSteps = fused
            defer { lstm.fusedSteps = true }
            let state = LayerState()
            var g = SeededGenerator(seed: 7)
            lstm.forward(x, state, training: true, rng: &g)
            var rr = TestRandom(17)
            let dy = Tensor(shape: state.output.shape, values: rr.floats(state.output.count, -1, 1))
            for p in lstm.parameters { p.grad.fill(0) }
            lstm.backward(x, dy, state, needInputGrad: true)
            return [state.output.array, state.gradInput.array] + lstm.parameters.map(\.grad.array)
        }
        let plain = pass(fused: false), fused = pass(fused: true)
        let names = ["output", "input gradient"] + lstm.parameters.map(\.name)
        for (name, (p, f)) in zip(names, zip(plain, fused)) {
            expectClose(f, p.map(Double.init), rtol: 2e-5, atol: 2e-6, "\(c.testDescription): \(name)")
        }
    }

    @Test(arguments: [Bidirectional.MergeMode.concat, .sum, .mul, .ave])
    func bidirectionalGradientsMatchFiniteDifferences(_ mode: Bidirectional.MergeMode) throws {
        for (kind, seq) in [("LSTM", true), ("GRU", false), ("SimpleRNN", true), ("GRUBefore", true)] {
            let inner = try makeRNN(RNNCase(kind: kind, returnSequences: seq, dropout: 0.2), units: 2)
            let bi = try built(Bidirectional(inner, mergeMode: mode), [3, 2])
            randomizeWeights(bi, seed: 8)
            #expect(bi.parameters.count == 2 * inner.parameters.count)
            var r = TestRandom(4)
            let x = Tensor(shape: [2, 3, 2], values: r.floats(12, -1.5, 1.5))
            checkGradients(bi, x: x, "Bidirectional(\(kind), \(mode.rawValue), seq=\(seq))")
        }
    }

    @Test func timeDistributedDenseGradientMatchesFiniteDifferences() throws {
        let td = try built(TimeDistributed(Dense(units: 3, activation: Activations.named("tanh"))), [4, 2])
        randomizeWeights(td, seed: 9)
        #expect(td.outputShape == [4, 3])
        var r = TestRandom(6)
        checkGradients(td, x: Tensor(shape: [2, 4, 2], values: r.floats(16, -1, 1)), "TimeDistributed(Dense(tanh))")
    }

    @Test func embeddingGradientMatchesFiniteDifferences() throws {
        let e = try built(Embedding(inputDim: 7, outputDim: 3), [5])
        randomizeWeights(e, seed: 10)
        // ids repeat (their gradients add up) and some rows are never used (zero gradient).
        let x = Tensor(shape: [2, 5], values: [1, 4, 4, 0, 6, 4, 2, 1, 1, 0])
        checkGradients(e, x: x, inputGradient: false, "Embedding")
        let used = Set(x.array.map(Int.init))
        let g = e.embeddings!.grad
        for row in 0..<7 where !used.contains(row) {
            #expect((0..<3).allSatisfy { g.data[row * 3 + $0] == 0 }, "unused row \(row) has no gradient")
        }
    }

    @Test func embeddingLSTMStackGradientMatchesFiniteDifferences() throws {
        // The text classifier's layers end to end through a model: the LSTM's input gradient reaches the table.
        let m = try Sequential([Embedding(inputDim: 6, outputDim: 3), LSTM(units: 2), Dense(units: 1, activation: Activations.named("sigmoid"))], seed: 3)
        try m.setInput(shape: [4])
        for l in m.layers { randomizeWeights(l, seed: 21) }
        try m.compile(optimizer: "sgd", loss: "mean_squared_error")
        let x: [Float] = [0, 5, 2, 2, 3, 1, 4, 0], y: [Float] = [0.3, 0.8]
        let p = m.layers[0].parameters[0]
        let numeric = numericGradient(p.value.data, count: p.value.count) {
            let out = try! m.predict(x)
            return zip(out, y).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / 2
        }
        let before = p.value.array
        _ = try m.trainOnBatch(x: x, y: y)
        let step = zip(before, p.value.array).map { Double($0 - $1) / 0.01 }   // SGD lr 0.01: grad = (w0 - w1) / lr
        expectClose(step, numeric, rtol: 2e-2, atol: 2e-3, "embedding table gradient through LSTM")
    }
}
