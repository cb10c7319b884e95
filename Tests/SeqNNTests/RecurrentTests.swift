// Recurrent layers: the optimized passes (batched input projection, per-step gemms, step-major buffers)
// against each cell's plain-loop reference in Double; configs in both Keras dialects and their round trip;
// what is refused and how; dropout masks (one per sequence); shapes and weight names.
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SeqNN
import SeqNNTestSupport

/// The plain-loop reference forward of any of the three cells.
func referenceForward(_ l: RecurrentLayer, _ x: [Float], batch: Int, initial: [[Float]]? = nil) -> [Float] {
    switch l {
    case let s as SimpleRNN: return s.referenceForward(x, batch: batch, initialStates: initial)
    case let s as LSTM: return s.referenceForward(x, batch: batch, initialStates: initial)
    case let s as GRU: return s.referenceForward(x, batch: batch, initialStates: initial)
    default: return []
    }
}

struct RecurrentTests {
    static let referenceCases: [RNNCase] = ["SimpleRNN", "LSTM", "GRU", "GRUBefore"].flatMap { k in
        [RNNCase(kind: k), RNNCase(kind: k, returnSequences: true), RNNCase(kind: k, returnSequences: true, goBackwards: true),
         RNNCase(kind: k, goBackwards: true, useBias: false),
         RNNCase(kind: k, activation: "relu", recurrentActivation: "hard_sigmoid"),
         RNNCase(kind: k, returnSequences: true, activation: "softsign", recurrentActivation: "softmax")]
    }

    @Test(arguments: referenceCases)
    func optimizedPassEqualsPlainLoopReference(_ c: RNNCase) throws {
        for (batch, steps, features, units) in [(1, 1, 1, 1), (3, 5, 4, 5), (7, 3, 2, 4)] {
            let l = try built(makeRNN(c, units: units), [steps, features])
            randomizeWeights(l, seed: UInt64(batch * 31 + units))
            var r = TestRandom(UInt64(steps))
            let x = Tensor(shape: [batch, steps, features], values: r.floats(batch * steps * features, -2, 2))
            let state = LayerState()
            var g = SeededGenerator(seed: 0)
            l.forward(x, state, training: false, rng: &g)
            #expect(state.output.shape == [batch] + (c.returnSequences ? [steps, units] : [units]))
            expectClose(state.output.array, referenceForward(l, x.array, batch: batch).map(Double.init), rtol: 1e-5, atol: 1e-6,
                        "\(c.testDescription) batch \(batch) T \(steps)")
            // Dropout does not act at inference; training=true without dropout is the same pass.
            l.forward(x, state, training: true, rng: &g)
            expectClose(state.output.array, referenceForward(l, x.array, batch: batch).map(Double.init), rtol: 1e-5, atol: 1e-6,
                        "\(c.testDescription) training pass")
        }
    }

    @Test func weightShapesNamesAndOrderFollowKeras() throws {
        let cases: [(Layer, [[Int]], [String])] = [
            (try built(SimpleRNN(units: 3), [4, 2]), [[2, 3], [3, 3], [3]], ["simple_rnn_cell/kernel", "simple_rnn_cell/recurrent_kernel", "simple_rnn_cell/bias"]),
            (try built(LSTM(units: 3), [4, 2]), [[2, 12], [3, 12], [12]], ["lstm_cell/kernel", "lstm_cell/recurrent_kernel", "lstm_cell/bias"]),
            (try built(GRU(units: 3), [4, 2]), [[2, 9], [3, 9], [2, 9]], ["gru_cell/kernel", "gru_cell/recurrent_kernel", "gru_cell/bias"]),
            (try built(GRU(units: 3, resetAfter: false), [4, 2]), [[2, 9], [3, 9], [9]], ["gru_cell/kernel", "gru_cell/recurrent_kernel", "gru_cell/bias"]),
            (try built(Embedding(inputDim: 10, outputDim: 4), [6]), [[10, 4]], ["embeddings"]),
            (try built(TimeDistributed(Dense(units: 5)), [4, 2]), [[2, 5], [5]], ["kernel", "bias"]),
            (try built(Bidirectional(LSTM(units: 2)), [4, 3]), [[3, 8], [2, 8], [8], [3, 8], [2, 8], [8]],
             ["forward_lstm/lstm_cell/kernel", "forward_lstm/lstm_cell/recurrent_kernel", "forward_lstm/lstm_cell/bias",
              "backward_lstm/lstm_cell/kernel", "backward_lstm/lstm_cell/recurrent_kernel", "backward_lstm/lstm_cell/bias"]),
        ]
        for (l, shapes, names) in cases {
            #expect(l.parameters.map(\.value.shape) == shapes, "\(l.kerasClassName)")
            #expect(l.parameters.map(\.name) == names, "\(l.kerasClassName)")
        }
        #expect(try built(SimpleRNN(units: 3, options: RecurrentOptions(returnSequences: true)), [4, 2]).outputShape == [4, 3])
        #expect(try built(Bidirectional(GRU(units: 3, options: RecurrentOptions(returnSequences: true))), [4, 2]).outputShape == [4, 6])
        #expect(try built(Bidirectional(GRU(units: 3), mergeMode: .sum), [4, 2]).outputShape == [3])
        #expect(try built(Embedding(inputDim: 10, outputDim: 4), [6]).outputShape == [6, 4])
    }

    @Test func kerasDefaultInitializers() throws {
        let lstm = try built(LSTM(units: 4), [3, 5], seed: 4)
        let b = lstm.bias!.value.array
        #expect(b[0..<4].allSatisfy { $0 == 0 } && b[4..<8].allSatisfy { $0 == 1 } && b[8...].allSatisfy { $0 == 0 },
                "unit_forget_bias: ones in the forget block")
        let plain = try built(LSTM(units: 4, unitForgetBias: false), [3, 5])
        #expect(plain.bias!.value.array.allSatisfy { $0 == 0 })
        // Orthogonal recurrent kernel (u, 4u): its rows are orthonormal.
        let r = lstm.recurrentKernel!.value
        for i in 0..<4 {
            for j in 0..<4 {
                let d = (0..<16).reduce(0.0) { $0 + Double(r.data[i * 16 + $1]) * Double(r.data[j * 16 + $1]) }
                #expect(abs(d - (i == j ? 1 : 0)) < 1e-5, "rows \(i), \(j): \(d)")
            }
        }
        // Glorot uniform kernel limit sqrt(6 / (in + out)).
        let limit = Float((6.0 / Double(5 + 16)).squareRoot())
        #expect(lstm.kernel!.value.array.allSatisfy { abs($0) <= limit })
        let e = try built(Embedding(inputDim: 30, outputDim: 4), [2])
        #expect(e.embeddings!.value.array.allSatisfy { abs($0) <= 0.05 } && e.embeddings!.value.array.contains { $0 != 0 })
        #expect(try GRU(units: 2).resetAfter, "GRU reset_after defaults to true")
    }

    // MARK: Configs

    static let k2LSTM = """
    {"name": "lstm", "trainable": true, "dtype": "float32", "batch_input_shape": [null, 5, 3], "return_sequences": false, "return_state": false, "go_backwards": false, "stateful": false, "unroll": false, "time_major": false, "units": 4, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}, "recurrent_initializer": {"module": "keras.initializers", "class_name": "Orthogonal", "config": {"gain": 1.0, "seed": null}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "unit_forget_bias": true, "kernel_regularizer": null, "recurrent_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "recurrent_constraint": null, "bias_constraint": null, "dropout": 0.0, "recurrent_dropout": 0.0, "implementation": 2}
    """
    static let k3GRU = """
    {"name": "gru", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "return_sequences": true, "return_state": false, "go_backwards": false, "stateful": false, "unroll": false, "zero_output_for_mask": false, "units": 3, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null, "input_axes": null, "output_axes": null}, "registered_name": null}, "recurrent_initializer": {"module": "keras.initializers", "class_name": "Orthogonal", "config": {"seed": null, "gain": 1.0}, "registered_name": null}, "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null}, "kernel_regularizer": null, "recurrent_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "recurrent_constraint": null, "bias_constraint": null, "dropout": 0.0, "recurrent_dropout": 0.0, "reset_after": true, "seed": null}
    """

    @Test func bothKerasDialectsParse() throws {
        let lstm = try #require(try LayerRegistry.make(className: "LSTM", config: json(Self.k2LSTM), kerasMajor: 2) as? LSTM)
        #expect(lstm.units == 4 && lstm.unitForgetBias && !lstm.returnSequences && lstm.name == "lstm")
        #expect(lstm.declaredBatchInputShape.map { $0.map { $0 ?? -1 } } == [-1, 5, 3])
        let gru = try #require(try LayerRegistry.make(className: "GRU", config: json(Self.k3GRU), kerasMajor: 3) as? GRU)
        #expect(gru.units == 3 && gru.resetAfter && gru.returnSequences)
        // Harmless keys from either generation are accepted: implementation, time_major=false,
        // zero_output_for_mask, seed, use_cudnn; and a minimal config takes Keras's defaults.
        let minimal = try #require(try LayerRegistry.make(className: "SimpleRNN", config: json(#"{"units": 2, "time_major": false, "zero_output_for_mask": true, "seed": 3, "use_cudnn": "auto"}"#)) as? SimpleRNN)
        #expect(minimal.activation.name == "tanh" && minimal.useBias && !minimal.stateful)
        let minimalLSTM = try #require(try LayerRegistry.make(className: "LSTM", config: json(#"{"units": 2, "implementation": 1}"#)) as? LSTM)
        #expect(minimalLSTM.recurrentActivation.name == "sigmoid" && minimalLSTM.activation.name == "tanh" && minimalLSTM.unitForgetBias)
        let linear = try #require(try LayerRegistry.make(className: "SimpleRNN", config: json(#"{"units": 2, "activation": null}"#)) as? SimpleRNN)
        #expect(linear.activation.name == "linear", "activation=None is linear, as in Keras")
    }

    @Test func configsRoundTripAndOmitWhatKeras3Rejects() throws {
        let layers: [Layer] = [
            try SimpleRNN(units: 3, options: RecurrentOptions(returnSequences: true, goBackwards: true, dropout: 0.1), name: "s"),
            try LSTM(units: 2, options: RecurrentOptions(stateful: true, recurrentDropout: 0.2), unitForgetBias: false, name: "l"),
            try GRU(units: 4, resetAfter: false, name: "g"),
            try GRU(units: 4, name: "g2"),
            try Embedding(inputDim: 9, outputDim: 2, name: "e"),
            try Bidirectional(GRU(units: 2, options: RecurrentOptions(returnSequences: true)), mergeMode: .mul, name: "b"),
            TimeDistributed(try Dense(units: 3, activation: Activations.named("softmax")), name: "t"),
        ]
        for l in layers {
            let c = l.config()
            let keys = (c.object ?? []).map(\.0) + (c["layer"]?["config"]?.object ?? []).map(\.0)
            for banned in ["time_major", "implementation", "seed", "zero_output_for_mask", "input_length", "backward_layer", "batch_input_shape"] {
                #expect(!keys.contains(banned), "\(l.kerasClassName) writes \(banned): \(c)")
            }
            let again = try LayerRegistry.make(className: l.kerasClassName, config: c)
            #expect(again.config() == c, "\(l.kerasClassName) round trip")
        }
        let b = try #require(layers[5] as? Bidirectional)
        #expect(b.config()["layer"]?["config"]?["name"]?.string == "gru", "inner name without forward_ (as Keras 2 writes it)")
    }

    @Test func bidirectionalReadsKeras3ConfigWithBackwardLayer() throws {
        let inner = json(Self.k3GRU).setting("name", "forward_gru")
        let back = inner.setting("name", "backward_gru").setting("go_backwards", true)
        let cfg: JSON = .object([("name", "bidirectional"), ("merge_mode", "concat"),
                                 ("layer", .object([("class_name", "GRU"), ("config", inner)])),
                                 ("backward_layer", .object([("class_name", "GRU"), ("config", back)]))])
        let bi = try #require(try LayerRegistry.make(className: "Bidirectional", config: cfg, kerasMajor: 3) as? Bidirectional)
        #expect(bi.forwardLayer.name == "forward_gru" && bi.backwardLayer.name == "backward_gru" && bi.backwardLayer.goBackwards)
        _ = try built(bi, [4, 2])
        #expect(bi.outputShape == [4, 6])
        #expect(bi.config()["backward_layer"] == nil, "the backward layer equals the reversed copy, so it is not written")
        // A backward layer that differs (here: other units with concat) is kept and written back.
        let other = back.setting("units", 5)
        let cfg2 = cfg.setting("backward_layer", .object([("class_name", "GRU"), ("config", other)]))
        let bi2 = try #require(try LayerRegistry.make(className: "Bidirectional", config: cfg2) as? Bidirectional)
        _ = try built(bi2, [4, 2])
        #expect(bi2.outputShape == [4, 8])
        #expect(bi2.config()["backward_layer"]?["config"]?["units"]?.int == 5)
    }

    @Test func unsupportedOptionsAreRefusedClearly() throws {
        func refuse(_ cls: String, _ cfg: String, _ kind: SeqNNError.Kind = .unsupported, mentions: String) {
            let e = expectSeqNNError(kind) { _ = try LayerRegistry.make(className: cls, config: json(cfg)) }
            #expect(e?.message.contains(mentions) == true, "\(cls): \(e?.message ?? "")")
        }
        refuse("LSTM", #"{"units": 2, "return_state": true}"#, mentions: "return_state")
        refuse("GRU", #"{"units": 2, "time_major": true}"#, mentions: "time_major")
        refuse("SimpleRNN", #"{"units": 2, "activity_regularizer": "l2"}"#, mentions: "activity_regularizer")
        refuse("LSTM", #"{"units": 2, "kernel_constraint": {"class_name": "MaxNorm", "config": {}}}"#, mentions: "kernel_constraint")
        refuse("Bidirectional", #"{"layer": {"class_name": "LSTM", "config": {"units": 2}}, "merge_mode": null}"#, mentions: "merge_mode")
        refuse("Bidirectional", #"{"layer": {"class_name": "Dense", "config": {"units": 2}}}"#, mentions: "Bidirectional(Dense)")
        refuse("TimeDistributed", #"{"layer": {"class_name": "LSTM", "config": {"units": 2}}}"#, mentions: "TimeDistributed(LSTM)")
        refuse("LSTM", #"{"units": 0}"#, .invalidArgument, mentions: "units")
        refuse("GRU", #"{"activation": "tanh"}"#, .invalidArgument, mentions: "units")
        refuse("Embedding", #"{"input_dim": 0, "output_dim": 2}"#, .invalidArgument, mentions: "input_dim")
        refuse("Bidirectional", #"{"layer": {"class_name": "LSTM", "config": {"units": 2}}, "merge_mode": "max"}"#, .invalidArgument, mentions: "merge_mode")
        // A model config naming return_state fails with a message that names the layer.
        let model = json(#"{"name": "s", "layers": [{"class_name": "InputLayer", "config": {"batch_input_shape": [null, 3, 2]}}, {"class_name": "LSTM", "config": {"name": "enc", "units": 2, "return_state": true}}]}"#)
        let e = expectSeqNNError(.unsupported) { _ = try Sequential.fromConfig(model) }
        #expect(e?.message.contains("enc") == true)
        // Wrong input ranks.
        expectSeqNNError(.shapeMismatch) { _ = try built(LSTM(units: 2), [5]) }
        expectSeqNNError(.shapeMismatch) { _ = try built(TimeDistributed(Dense(units: 2)), [5]) }
    }

    // MARK: Dropout

    @Test func dropoutMasksAreOnePerSequence() throws {
        // SimpleRNN with linear activation, identity kernel, zero recurrent kernel: output_t = x_t * mask.
        var o = RecurrentOptions(returnSequences: true, dropout: 0.5)
        o.activation = Activations.Linear()
        o.useBias = false
        let l = try built(SimpleRNN(units: 6, options: o), [5, 6])
        l.parameters[1].value.fill(0)
        l.parameters[0].value.fill(0)
        for i in 0..<6 { l.parameters[0].value.data[i * 6 + i] = 1 }
        let x = Tensor(shape: [4, 5, 6], repeating: 1)
        let state = LayerState()
        var g = SeededGenerator(seed: 5)
        l.forward(x, state, training: true, rng: &g)
        let y = state.output.array
        var dropped = 0
        for b in 0..<4 {
            for t in 0..<5 {
                for j in 0..<6 {
                    let v = y[(b * 5 + t) * 6 + j]
                    #expect(v == y[b * 30 + j], "sample \(b) unit \(j): the same mask at every step")
                    #expect(v == 0 || v == 2, "inverted dropout scales kept inputs by 1/(1-rate)")
                    if t == 0 && v == 0 { dropped += 1 }
                }
            }
        }
        #expect(dropped > 2 && dropped < 22, "about half of 24 inputs dropped: \(dropped)")
        l.forward(x, state, training: false, rng: &g)
        #expect(state.output.array.allSatisfy { $0 == 1 }, "no dropout at inference")
        // Recurrent dropout: zero input kernel... state stays the masked product, the same mask every step.
        var o2 = RecurrentOptions(returnSequences: true, recurrentDropout: 0.5)
        o2.activation = Activations.Linear()
        let r = try built(SimpleRNN(units: 4, options: o2), [6, 1])
        r.parameters[0].value.fill(1)    // x . K = 1 for every unit
        r.parameters[1].value.fill(0)
        for i in 0..<4 { r.parameters[1].value.data[i * 4 + i] = 1 }   // h_t = 1 + h_{t-1} * mask
        r.parameters[2].value.fill(0)
        r.forward(Tensor(shape: [3, 6, 1], repeating: 1), state, training: true, rng: &g)
        for b in 0..<3 {
            for j in 0..<4 {
                let h1 = state.output.data[(b * 6 + 1) * 4 + j]   // 1 + 1 * m
                let m = h1 - 1
                #expect(m == 0 || m == 2)
                let last = state.output.data[(b * 6 + 5) * 4 + j]
                let expected: Float = m == 0 ? 1 : (0..<6).reduce(0) { acc, _ in 1 + acc * 2 }
                #expect(last == expected, "the same recurrent mask at every step")
            }
        }
    }

    @Test func dropoutTrainingIsDeterministicForASeed() throws {
        func run() throws -> [Float] {
            let m = try Sequential([LSTM(units: 3, options: RecurrentOptions(dropout: 0.3, recurrentDropout: 0.3)), Dense(units: 1)], seed: 7)
            try m.setInput(shape: [4, 2])
            try m.compile(optimizer: "adam", loss: "mean_squared_error")
            var r = TestRandom(1)
            var o = FitOptions()
            o.verbose = 0
            o.batchSize = 4
            o.epochs = 2
            try m.fit(x: r.floats(8 * 8, -1, 1), y: r.floats(8, -1, 1), options: o)
            return try allWeights(m).flatMap { $0 }
        }
        #expect(try run() == run())
    }
}
