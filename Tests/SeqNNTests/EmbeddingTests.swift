// Embedding: lookup, ids given as floats (truncated like Keras's cast), out-of-range ids refused by the
// model with the id and its position, (mask_zero: MaskingTests), and the LSTM text classifier trained end to end.
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SeqNN

struct EmbeddingTests {
    @Test func lookupCopiesRowsAndTruncatesLikeKerasCast() throws {
        let e = try built(Embedding(inputDim: 4, outputDim: 2), [3])
        let table: [Float] = [0, 1, 10, 11, 20, 21, 30, 31]
        e.embeddings!.value.data.update(from: table, count: 8)
        let x = Tensor(shape: [2, 3], values: [0, 3, 1, 2.9, 1.2, -0.5])   // 2.9 -> 2, 1.2 -> 1, -0.5 -> 0
        let state = LayerState()
        var g = SeededGenerator(seed: 0)
        e.forward(x, state, training: false, rng: &g)
        #expect(state.output.shape == [2, 3, 2])
        #expect(state.output.array == [0, 1, 30, 31, 10, 11, 20, 21, 10, 11, 0, 1])
        #expect(e.invalidInputMessage(x.data, count: 6) == nil)
        for bad: Float in [4, -1, 1e30, .nan, .infinity] {
            var v = bad
            #expect(e.invalidInputMessage(&v, count: 1) != nil, "\(bad) is not an id")
        }
    }

    @Test func modelsRefuseOutOfRangeIds() throws {
        let m = try Sequential([Embedding(inputDim: 5, outputDim: 2), Flatten(), Dense(units: 1)])
        try m.setInput(shape: [3])
        #expect(try m.predict([0, 1, 4, 2, 3, 4]).count == 2)
        var e = expectSeqNNError(.invalidArgument) { _ = try m.predict([0, 1, 4, 2, 5, 4]) }
        #expect(e?.message.contains("5") == true && e?.message.contains("sample 1, position 1") == true
                && e?.message.contains("[0, 5)") == true, "\(e?.message ?? "")")
        e = expectSeqNNError(.invalidArgument) { _ = try m.predict([-1, 1, 4]) }
        #expect(e?.message.contains("out of range") == true)
        try m.compile(optimizer: "sgd", loss: "mean_squared_error")
        expectSeqNNError(.invalidArgument) { _ = try m.trainOnBatch(x: [0, 1, 7], y: [1]) }
        expectSeqNNError(.invalidArgument) { _ = try m.evaluate(x: [0, 9, 1], y: [1]) }
        var o = FitOptions()
        o.verbose = 0
        expectSeqNNError(.invalidArgument) { try m.fit(x: [0, 1, 2, 3, 4, 5], y: [1, 0], options: o) }
        o.validationData = nil
        o.validationSplit = 0.5
        let err = expectSeqNNError(.invalidArgument) { try m.fit(x: [0, 1, 2, 3, 4, 6], y: [1, 0], options: o) }
        #expect(err?.message.contains("validation") == true, "\(err?.message ?? "")")
    }

    @Test func anEmbeddingDeeperInAModelGivesZerosForBadIds() throws {
        // Not checkable before the run: an out-of-range id maps to a zero vector (TensorFlow's GPU behaviour).
        let e = try built(Embedding(inputDim: 3, outputDim: 2), [2])
        e.embeddings!.value.fill(1)
        let state = LayerState()
        var g = SeededGenerator(seed: 0)
        e.forward(Tensor(shape: [1, 2], values: [7, 1]), state, training: true, rng: &g)
        #expect(state.output.array == [0, 0, 1, 1])
        e.backward(Tensor(shape: [1, 2], values: [7, 1]), Tensor(shape: [1, 2, 2], values: [1, 1, 1, 1]), state, needInputGrad: true)
        #expect(e.embeddings!.grad.array == [0, 0, 1, 1, 0, 0])
        #expect(state.gradInput.array == [0, 0], "ids have no gradient")
    }

    @Test func configsParseInBothDialects() throws {
        let k2 = json(#"{"name": "embedding", "trainable": true, "dtype": "float32", "batch_input_shape": [null, 10], "input_dim": 50, "output_dim": 8, "embeddings_initializer": {"module": "keras.initializers", "class_name": "RandomUniform", "config": {"minval": -0.05, "maxval": 0.05, "seed": null}, "registered_name": null}, "embeddings_regularizer": null, "activity_regularizer": null, "embeddings_constraint": null, "mask_zero": false, "input_length": 10}"#)
        let k3 = json(#"{"name": "embedding", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "input_dim": 50, "output_dim": 8, "embeddings_initializer": {"module": "keras.initializers", "class_name": "RandomUniform", "config": {"seed": null, "minval": -0.05, "maxval": 0.05}, "registered_name": null}, "embeddings_regularizer": null, "activity_regularizer": null, "embeddings_constraint": null, "mask_zero": false, "quantization_config": null}"#)
        for (c, gen) in [(k2, 2), (k3, 3)] {
            let e = try #require(try LayerRegistry.make(className: "Embedding", config: c, kerasMajor: gen) as? Embedding)
            #expect(e.inputDim == 50 && e.outputDim == 8)
            #expect(!e.config().description.contains("input_length"), "input_length is left to the InputLayer (format §10)")
        }
        // Keras 2's tutorial form: input_length alone gives the input shape.
        let m = try Sequential.fromConfig(json(#"[{"class_name": "Embedding", "config": {"input_dim": 9, "output_dim": 3, "input_length": 4}}, {"class_name": "LSTM", "config": {"units": 2}}]"#), kerasMajor: 2)
        #expect(m.inputShape == [4] && m.outputShape == [2])
        let reg = try #require(try LayerRegistry.make(className: "Embedding", config: json(#"{"input_dim": 3, "output_dim": 2, "embeddings_regularizer": {"class_name": "L2", "config": {"l2": 0.5}}}"#)) as? Embedding)
        #expect(reg.embeddingsRegularizer == Regularizer(l2: 0.5))
    }

    /// The LSTM text classifier of the issue: Embedding -> LSTM -> Dense(sigmoid), trained on a deterministic
    /// synthetic task (is word 1 in the sentence?) to a stated accuracy.
    @Test func lstmTextClassifierLearnsASimpleTask() throws {
        let vocab = 12, length = 6, n = 256
        var r = TestRandom(42)
        var x = [Float](), y = [Float]()
        for i in 0..<n {
            var words = (0..<length).map { _ in Float(2 + r.int(vocab - 2)) }
            if i % 2 == 0 { words[r.int(length)] = 1 }
            x += words
            y.append(i % 2 == 0 ? 1 : 0)
        }
        let m = try Sequential([Embedding(inputDim: vocab, outputDim: 8), LSTM(units: 8), Dense(units: 1, activation: Activations.named("sigmoid"))], seed: 5)
        try m.setInput(shape: [length])
        try m.compile(optimizer: .object([("class_name", "Adam"), ("config", .object([("learning_rate", 0.02)]))]),
                      loss: "binary_crossentropy", metrics: ["accuracy"])
        var o = FitOptions()
        o.verbose = 0
        o.epochs = 12
        o.batchSize = 16
        let h = try m.fit(x: x, y: y, options: o)
        let acc = try #require(h["accuracy"]?.last)
        let result = try m.evaluate(x: x, y: y)
        #expect(acc > 0.95 && result[1] > 0.95, "accuracy \(acc), evaluate \(result)")
    }
}
