// Keras masks beyond the parity fixtures (MaskingParityTests): backward passes of masked recurrent layers,
// Bidirectional and GlobalAveragePooling1D against finite differences, a whole masked model's training step
// against finite differences of its masked loss, what padding means (trailing padding = a shorter
// sequence), the plan's mask routing, and clear errors where a mask reaches a layer that cannot take it.
import Testing
@testable import SeqNN

/// A [B, T] mask with steps masked in the middle, at either end, and one fully masked row (B = 4, T = 5).
private let padded: [Float] = [1, 1, 1, 1, 1,
                               1, 0, 1, 0, 1,
                               0, 0, 1, 1, 0,
                               0, 0, 0, 0, 0]

/// `checkGradients` with `mask` handed to the layer as the Executor hands it (LayerState.inputMask).
private func checkMaskedGradients(_ layer: Layer, x: Tensor, mask: Tensor, _ what: String,
                                  sourceLocation: SourceLocation = #_sourceLocation) {
    let state = LayerState()
    state.inputMask = mask
    var rng = SeededGenerator(seed: 99)
    layer.forward(x, state, training: true, rng: &rng)
    var rr = TestRandom(17)
    let r = rr.floats(state.output.count, -1, 1)
    for p in layer.parameters { p.grad.fill(0) }
    layer.backward(x, Tensor(shape: state.output.shape, values: r), state, needInputGrad: true)
    func objective() -> Double {
        let s = LayerState()
        s.inputMask = mask
        var g = SeededGenerator(seed: 99)
        layer.forward(x, s, training: true, rng: &g)
        return dot(s.output, r)
    }
    for p in layer.parameters {
        // h = 3e-3: softsign's second derivative jumps at 0, which a pre-activation near 0 straddles at 1e-2.
        expectClose(p.grad.doubles, numericGradient(p.value.data, count: p.value.count, h: 3e-3, objective), rtol: 5e-3, atol: 1.5e-3,
                    "\(what): \(p.name)", sourceLocation: sourceLocation)
    }
    expectClose(state.gradInput.doubles, numericGradient(x.data, count: x.count, objective), rtol: 5e-3, atol: 1.5e-3,
                "\(what): input", sourceLocation: sourceLocation)
}

struct MaskingTests {
    static let cases: [RNNCase] = ["SimpleRNN", "LSTM", "GRU", "GRUBefore"].flatMap { k in
        [RNNCase(kind: k), RNNCase(kind: k, returnSequences: true), RNNCase(kind: k, returnSequences: true, goBackwards: true),
         RNNCase(kind: k, goBackwards: true, recurrentDropout: 0.3), RNNCase(kind: k, activation: "softsign", recurrentActivation: "softmax")]
    }

    @Test(arguments: cases)
    func maskedRecurrentGradientsMatchFiniteDifferences(_ c: RNNCase) throws {
        for zeroOutput in c.returnSequences ? [false, true] : [false] {
            let layer = try built(makeRNN(c, units: 3), [5, 2])
            layer.zeroOutputForMask = zeroOutput
            randomizeWeights(layer, seed: 3)
            var r = TestRandom(11)
            let x = Tensor(shape: [4, 5, 2], values: r.floats(40, -1.5, 1.5))
            checkMaskedGradients(layer, x: x, mask: Tensor(shape: [4, 5], values: padded), "\(c.testDescription) zero_output=\(zeroOutput)")
        }
    }

    @Test(arguments: [Bidirectional.MergeMode.concat, .sum, .mul])
    func maskedBidirectionalGradientsMatchFiniteDifferences(_ mode: Bidirectional.MergeMode) throws {
        for (kind, seq) in [("LSTM", true), ("GRU", false), ("SimpleRNN", true)] {
            let bi = try built(Bidirectional(makeRNN(RNNCase(kind: kind, returnSequences: seq), units: 2), mergeMode: mode), [5, 2])
            randomizeWeights(bi, seed: 8)
            var r = TestRandom(4)
            let x = Tensor(shape: [4, 5, 2], values: r.floats(40, -1.5, 1.5))
            checkMaskedGradients(bi, x: x, mask: Tensor(shape: [4, 5], values: padded), "Bidirectional(\(kind), \(mode.rawValue), seq=\(seq))")
        }
    }

    @Test func maskedAverageGradientMatchesFiniteDifferences() throws {
        let gap = try built(GlobalAveragePooling1D(), [5, 3])
        var r = TestRandom(5)
        let rows = Array(padded[0..<15])   // no fully masked row: its average is 0/0 = NaN, as in Keras
        checkMaskedGradients(gap, x: Tensor(shape: [3, 5, 3], values: r.floats(45, -1, 1)), mask: Tensor(shape: [3, 5], values: rows), "GlobalAveragePooling1D")
    }

    /// A whole model's training step against finite differences of its masked loss (what evaluate reports):
    /// Embedding(mask_zero) -> LSTM(return_sequences) -> Dense per step, mse averaged over unmasked steps.
    @Test(arguments: ["LSTM", "GRU", "SimpleRNN"])
    func maskedModelStepMatchesFiniteDifferencesOfTheMaskedLoss(_ kind: String) throws {
        let m = try Sequential([Embedding(inputDim: 6, outputDim: 3, maskZero: true),
                                makeRNN(RNNCase(kind: kind, returnSequences: true), units: 3), Dense(units: 2)], seed: 3)
        try m.setInput(shape: [5])
        for l in m.layers { randomizeWeights(l, seed: 21) }
        try m.compile(optimizer: .object([("class_name", "SGD"), ("config", .object([("learning_rate", 0.01)]))]), loss: "mean_squared_error")
        let x: [Float] = [1, 2, 3, 4, 5, 2, 0, 3, 0, 1, 0, 0, 4, 4, 0]
        var r = TestRandom(9)
        let y = r.floats(3 * 5 * 2, -1, 1)
        for (li, l) in m.layers.enumerated() {
            for (pi, p) in l.parameters.enumerated() {
                let numeric = numericGradient(p.value.data, count: p.value.count) { try! m.evaluate(x: x, y: y)[0] }
                let saved = try allWeights(m)
                let before = p.value.array
                _ = try m.trainOnBatch(x: x, y: y)   // SGD(0.01): gradient = (w0 - w1) / 0.01
                let step = zip(before, p.value.array).map { Double($0 - $1) / 0.01 }
                expectClose(step, numeric, rtol: 2e-2, atol: 2e-3, "\(kind) layer \(li) \(p.name)")
                var k = 0
                for (lj, l2) in m.layers.enumerated() {
                    for q in l2.parameters.indices { try m.setWeight(layer: lj, index: q, values: saved[k]); k += 1 }
                }
            }
        }
    }

    /// Keras's meaning of padding: a sequence with trailing padding ends where its real steps end, so the
    /// last output equals that of the unpadded shorter sequence; the padding's ids never matter.
    @Test(arguments: ["LSTM", "GRU", "SimpleRNN"])
    func trailingPaddingEqualsAShorterSequence(_ kind: String) throws {
        func model(_ steps: Int) throws -> Sequential {
            let m = try Sequential([Embedding(inputDim: 9, outputDim: 3, maskZero: true), makeRNN(RNNCase(kind: kind), units: 4)], seed: 5)
            try m.setInput(shape: [steps])
            for l in m.layers { randomizeWeights(l, seed: 2) }
            return m
        }
        let long = try model(6), short = try model(3)
        let padded = try long.predict([3, 7, 1, 0, 0, 0]), plain = try short.predict([3, 7, 1])
        expectClose(padded, plain.map(Double.init), rtol: 1e-6, atol: 1e-6, "\(kind): padded = shorter")
        let unmasked = try Sequential([Embedding(inputDim: 9, outputDim: 3), makeRNN(RNNCase(kind: kind), units: 4)], seed: 5)
        try unmasked.setInput(shape: [6])
        for l in unmasked.layers { randomizeWeights(l, seed: 2) }
        #expect(try unmasked.predict([3, 7, 1, 0, 0, 0]) != padded, "without mask_zero the padding is read")
    }

    @Test func thePlanRoutesMasksByAskingTheLayers() throws {
        let m = try Sequential([Masking(), Dense(units: 3), Dropout(rate: 0.2), LSTM(units: 2, options: RecurrentOptions(returnSequences: true)),
                                Flatten(), Dense(units: 1)])
        try m.setInput(shape: [4, 2])
        let flow = m.inferencePlan.masks
        #expect(flow.sources == [nil, 0, 0, 0, nil, nil], "Masking's mask reaches Dense, Dropout and the LSTM; Flatten drops it")
        #expect(flow.output == nil)
        let seq = try Sequential([Embedding(inputDim: 5, outputDim: 2, maskZero: true), GRU(units: 2, options: RecurrentOptions(returnSequences: true)), Dense(units: 3)])
        try seq.setInput(shape: [4])
        #expect(seq.inferencePlan.masks.output == 0 && seq.inferencePlan.masks.outputShape == [4], "the output carries the Embedding's mask")
    }

    @Test func aMaskReachingALayerThatCannotTakeItIsRefusedWhenTheModelIsBuilt() throws {
        func refused(_ layers: [Layer], input: [Int], mentions: [String]) {
            let e = expectSeqNNError(.unsupported) {
                let m = try Sequential(layers)
                try m.setInput(shape: input)
            }
            for word in mentions { #expect(e?.message.contains(word) == true, "\(e?.message ?? "no error")") }
        }
        refused([Masking(), SoftmaxLayer(axis: -1, name: "probs")], input: [4, 3], mentions: ["Softmax 'probs'", "mask", "Activation('softmax')"])
        refused([try Embedding(inputDim: 5, outputDim: 2, maskZero: true), try BatchNormalization(name: "bn")], input: [4],
                mentions: ["BatchNormalization 'bn'", "mask"])
        // Added to a built model, the layer is refused and the model keeps its layers.
        let m = try Sequential([Masking()])
        try m.setInput(shape: [4, 3])
        #expect(throws: SeqNNError.self) { try m.add(SoftmaxLayer(axis: -1)) }
        #expect(m.layers.count == 1)
        // Without a mask the same layers are fine, and a layer Keras drops the mask at (Conv1D) is too.
        _ = try Sequential([Embedding(inputDim: 5, outputDim: 2), BatchNormalization()]).setInput(shape: [4])
        let conv = try Sequential([Masking(), Conv1D(filters: 2, kernelSize: 2), GlobalMaxPooling1D()])
        try conv.setInput(shape: [4, 3])
        #expect(conv.inferencePlan.masks.sources == [nil, nil, nil])
    }

    @Test func maskZeroAndMaskValueRoundTripThroughConfigs() throws {
        let e = try LayerRegistry.make(className: "Embedding", config: json(#"{"input_dim": 5, "output_dim": 2, "mask_zero": true}"#))
        #expect(e.config()["mask_zero"]?.bool == true)
        let mk = try LayerRegistry.make(className: "Masking", config: json(#"{"mask_value": -1.5}"#))
        #expect(mk.config()["mask_value"]?.number == -1.5)
        let l = try LayerRegistry.make(className: "LSTM", config: json(#"{"units": 2, "zero_output_for_mask": true}"#))
        #expect(l.config()["zero_output_for_mask"]?.bool == true)
        let plain = try LayerRegistry.make(className: "LSTM", config: json(#"{"units": 2}"#))
        #expect(plain.config()["zero_output_for_mask"] == nil, "written only when true, as Keras 2 does")
    }
}
