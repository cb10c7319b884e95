// Sequential: building (list, add, every Keras input spelling), names, pop, the errors of misuse,
// summary, to_categorical, validation_split, History order, stopping, and configs in both dialects.
import Testing
@testable import SeqNN

func layer(_ cls: String, _ config: String, kerasMajor: Int = 3) throws -> Layer {
    try LayerRegistry.make(className: cls, config: json(config), kerasMajor: kerasMajor)
}

func quiet(_ body: (inout FitOptions) -> Void = { _ in }) -> FitOptions {
    var o = FitOptions()
    o.verbose = 0
    body(&o)
    return o
}

struct SequentialTests {
    @Test func buildFromListOrByAddGivesTheSameModel() throws {
        let a = try Sequential([Dense(units: 8, activation: Activations.ReLU()), Dense(units: 3)], seed: 5)
        try a.setInput(shape: [4])
        let b = Sequential(seed: 5)
        try b.setInput(shape: [4])
        try b.add(Dense(units: 8, activation: Activations.ReLU()))
        try b.add(Dense(units: 3))
        #expect(a.layers.map(\.name) == ["dense", "dense_1"])
        #expect(b.layers.map(\.name) == ["dense", "dense_1"])
        #expect(try allWeights(a) == allWeights(b))
        #expect(a.outputShape == [3] && a.inputShape == [4] && a.parameterCount == 4 * 8 + 8 + 8 * 3 + 3)
    }

    @Test func inputFromInputShape() throws {
        let m = try Sequential([layer("Dense", "{\"units\": 3, \"input_shape\": [5]}")])
        #expect(m.inputShape == [5] && m.batchSize == nil && m.layers[0].isBuilt)
    }

    @Test func inputFromInputDim() throws {
        let m = try Sequential([layer("Dense", "{\"units\": 3, \"input_dim\": 7}")])
        #expect(m.inputShape == [7])
    }

    @Test func inputLengthAloneIsOneDimensional() throws {
        let m = try Sequential([layer("Dense", "{\"units\": 3, \"input_length\": 6}")])
        #expect(m.inputShape == [6])
        let n = try Sequential([layer("Dense", "{\"units\": 3, \"input_length\": 6, \"input_dim\": 2}")])
        #expect(n.inputShape == [6, 2] && n.outputShape == [6, 3])
    }

    @Test func batchSizeGivesAFixedBatchInputShape() throws {
        let m = try Sequential([layer("Dense", "{\"units\": 4, \"input_shape\": [6, 8], \"batch_size\": 32}")])
        #expect(m.inputShape == [6, 8] && m.batchSize == 32)
        let cfg = m.config()
        #expect(cfg["layers"]?.array?.first?["config"]?["batch_input_shape"] == .array([32, 6, 8]))
        #expect(m.summary().contains("(32, 6, 4)"))
        let k3 = try Sequential([layer("InputLayer", "{\"batch_shape\": [32, 6, 8]}"), layer("Dense", "{\"units\": 4}")])
        #expect(k3.inputShape == [6, 8] && k3.batchSize == 32)
    }

    @Test func inputLayerSetsTheShapeAndIsNotListed() throws {
        let m = Sequential()
        try m.add(InputLayer(batchInputShape: [nil, 10], name: "my_input"))
        try m.add(Dense(units: 2))
        #expect(m.layers.count == 1 && m.inputShape == [10] && m.inputLayerName == "my_input")
        expectSeqNNError(.invalidArgument) { try m.add(InputLayer(batchInputShape: [nil, 3])) }
        let fromConfig = try Sequential([layer("InputLayer", "{\"batch_input_shape\": [null, 3, 2]}", kerasMajor: 2), Flatten(), Dense(units: 1)])
        #expect(fromConfig.inputShape == [3, 2] && fromConfig.outputShape == [1])
    }

    @Test func layersBuildWhenTheInputShapeArrives() throws {
        let m = try Sequential([Dense(units: 4), Dense(units: 2)])
        #expect(m.inputShape == nil && !m.layers[0].isBuilt)
        try m.setInput(shape: [3])
        let allBuilt = m.layers.allSatisfy { $0.isBuilt }
        #expect(allBuilt && m.outputShape == [2])
        expectSeqNNError(.shapeMismatch) { try m.setInput(shape: [5]) }
        expectSeqNNError(.shapeMismatch) { try m.add(Reshape(targetShape: [3])) }
        #expect(m.layers.count == 2, "a failed add leaves the model unchanged")
    }

    @Test func namesAreUniquifiedAndExplicitDuplicatesRefused() throws {
        let m = try Sequential([Dense(units: 2), Dense(units: 2), Dropout(rate: 0.1), Dense(units: 2), Dropout(rate: 0.2)])
        #expect(m.layers.map(\.name) == ["dense", "dense_1", "dropout", "dense_2", "dropout_1"])
        let n = Sequential()
        try n.add(layer("Dense", "{\"units\": 2, \"name\": \"head\"}"))
        let dup = expectSeqNNError(.invalidArgument) { try n.add(layer("Dense", "{\"units\": 2, \"name\": \"head\"}")) }
        #expect(dup?.message.contains("head") == true)
        let explicit = try Dense(units: 2, name: "head")
        explicit.nameIsExplicit = true
        expectSeqNNError(.invalidArgument) { try n.add(explicit) }
        // A default name that clashes is numbered instead.
        try n.add(Dense(units: 2, name: "head"))
        #expect(n.layers.map(\.name) == ["head", "head_1"])
    }

    @Test func popRemovesTheLastLayerAndUncompiles() throws {
        let m = try Sequential([Dense(units: 4), Dense(units: 2)])
        try m.setInput(shape: [3])
        try m.compile(optimizer: "sgd", loss: "mse")
        try m.pop()
        #expect(m.layers.count == 1 && m.outputShape == [4] && !m.isCompiled)
        try m.pop()
        expectSeqNNError(.invalidArgument) { try m.pop() }
    }

    @Test func compileBeforeTheInputShapeIsKnownNamesTheFirstLayer() throws {
        let m = try Sequential([Dense(units: 4, name: "first_dense"), Dense(units: 2)])
        let e = expectSeqNNError(.notBuilt) { try m.compile(optimizer: "sgd", loss: "mse") }
        #expect(e?.message.contains("first_dense") == true, "\(e?.message ?? "")")
        expectSeqNNError(.notBuilt) { try Sequential().compile(optimizer: "sgd", loss: "mse") }
    }

    @Test func fitBeforeCompileIsNotCompiled() throws {
        let m = try Sequential([Dense(units: 1)])
        try m.setInput(shape: [2])
        expectSeqNNError(.notCompiled) { try m.fit(x: [1, 2], y: [1], options: quiet()) }
        expectSeqNNError(.notCompiled) { _ = try m.evaluate(x: [1, 2], y: [1]) }
        expectSeqNNError(.notCompiled) { _ = try m.trainOnBatch(x: [1, 2], y: [1]) }
    }

    @Test func wrongDataSizesAreShapeMismatches() throws {
        let m = try Sequential([Dense(units: 3, activation: Activations.Softmax())])
        try m.setInput(shape: [2])
        try m.compile(optimizer: "sgd", loss: "categorical_crossentropy")
        expectSeqNNError(.shapeMismatch) { try m.fit(x: [1, 2, 3], y: [0, 0, 1], options: quiet()) }   // 1.5 samples
        expectSeqNNError(.shapeMismatch) { try m.fit(x: [1, 2, 3, 4], y: [0, 0, 1], options: quiet()) } // 2 samples, 1 target
        let hint = expectSeqNNError(.shapeMismatch) { try m.fit(x: [1, 2, 3, 4], y: [0, 2], options: quiet()) }
        #expect(hint?.message.contains("sparse_categorical_crossentropy") == true, "labels given to a one-hot loss get a hint")
        expectSeqNNError(.shapeMismatch) { _ = try m.predict([1, 2, 3]) }
        expectSeqNNError(.shapeMismatch) { _ = try m.evaluate(x: [1, 2], y: [1, 0]) }
        var small = [Float](repeating: 0, count: 5)
        try [Float](repeating: 1, count: 4).withUnsafeBufferPointer { xb in
            try small.withUnsafeMutableBufferPointer { ob in
                expectSeqNNError(.bufferTooSmall) { try m.predict(x: xb, into: ob) }
            }
        }
    }

    @Test func nonFiniteDataIsNumeric() throws {
        let m = try Sequential([Dense(units: 1)])
        try m.setInput(shape: [2])
        try m.compile(optimizer: "sgd", loss: "mse")
        let e = expectSeqNNError(.numeric) { try m.fit(x: [1, .nan, 3, 4], y: [1, 2], options: quiet()) }
        #expect(e?.message.contains("sample 0") == true)
        expectSeqNNError(.numeric) { try m.fit(x: [1, 2, 3, 4], y: [1, .infinity], options: quiet()) }
        expectSeqNNError(.numeric) { _ = try m.predict([1, 2, .infinity, 0]) }
        let sparse = try Sequential([Dense(units: 3, activation: Activations.Softmax())])
        try sparse.setInput(shape: [1])
        try sparse.compile(optimizer: "sgd", loss: "sparse_categorical_crossentropy")
        expectSeqNNError(.invalidArgument) { try sparse.fit(x: [1, 2], y: [0, 3], options: quiet()) }
    }

    // A first Dense layer reads predict's input in place and checks it batch by batch: the same outputs as
    // the copying path (a first Activation layer), and a NaN in a later batch is named by its sample.
    @Test func predictReadingTheInputInPlaceMatchesCopyingIt() throws {
        var r = TestRandom(5)
        let x = r.floats(23 * 6, -1, 1)
        let dense = try Sequential([layer("Dense", "{\"units\": 40, \"activation\": \"relu\", \"input_dim\": 6}"),
                                    layer("Dense", "{\"units\": 3}")], seed: 2)
        let copying = try Sequential([layer("Activation", "{\"activation\": \"linear\", \"input_dim\": 6}"),
                                      layer("Dense", "{\"units\": 40, \"activation\": \"relu\"}"), layer("Dense", "{\"units\": 3}")], seed: 2)
        for i in 0..<2 { for j in 0..<2 { try copying.setWeight(layer: i + 1, index: j, values: dense.weight(layer: i, index: j).array) } }
        for batch in [1, 4, 23, 64] { #expect(try dense.predict(x, batchSize: batch) == copying.predict(x, batchSize: batch)) }
        var bad = x
        bad[17 * 6 + 4] = .nan
        for m in [dense, copying] {
            let e = expectSeqNNError(.numeric) { _ = try m.predict(bad, batchSize: 4) }
            #expect(e?.message.contains("sample 17, position 4") == true, "\(e?.message ?? "")")
        }
    }

    @Test func predictWorksWithoutCompile() throws {
        let m = try Sequential([Dense(units: 2, kernelInitializer: Constant(value: 1), biasInitializer: Constant(value: 0.5))])
        try m.setInput(shape: [3])
        #expect(try m.predict([1, 2, 3, -1, 0, 1]) == [6.5, 6.5, 0.5, 0.5])
        // In batches of any size, including a ragged last one.
        let x = (0..<21).map { Float($0) }
        #expect(try m.predict(x, batchSize: 2) == m.predict(x, batchSize: 32))
        expectSeqNNError(.notBuilt) { _ = try Sequential([Dense(units: 1)]).predict([1]) }
    }

    @Test func summaryCountsTheTutorialMLP() throws {
        let m = try Sequential([layer("Dense", "{\"units\": 32, \"activation\": \"relu\", \"input_shape\": [784]}"),
                                layer("Dense", "{\"units\": 10, \"activation\": \"softmax\"}")])
        #expect(m.parameterCount == 25450 && m.trainableParameterCount == 25450)
        let s = m.summary()
        #expect(s.contains("Total params: 25450"), "\(s)")
        #expect(s.contains("Trainable params: 25450"))
        #expect(s.contains("Non-trainable params: 0"))
        #expect(s.contains("(None, 32)") && s.contains("(None, 10)") && s.contains("25120") && s.contains("330"))
        m.layers[0].trainable = false
        #expect(m.trainableParameterCount == 330)
    }

    @Test func toCategoricalOneHotEncodes() throws {
        let (k, v) = try toCategorical([0, 2, 1])
        #expect(k == 3 && v == [1, 0, 0, 0, 0, 1, 0, 1, 0])
        let (k5, v5) = try toCategorical([1], numClasses: 5)
        #expect(k5 == 5 && v5 == [0, 1, 0, 0, 0])
        expectSeqNNError(.invalidArgument) { _ = try toCategorical([-1]) }
        expectSeqNNError(.invalidArgument) { _ = try toCategorical([1.5]) }
        expectSeqNNError(.invalidArgument) { _ = try toCategorical([.nan]) }
        expectSeqNNError(.invalidArgument) { _ = try toCategorical([3], numClasses: 3) }
        expectSeqNNError(.invalidArgument) { _ = try toCategorical([0], numClasses: 0) }
    }

    @Test func validationSplitHoldsOutTheLastFraction() throws {
        // Learning rate 0: the model is fixed, so val_loss is exactly the loss of the last 3 of 10 samples.
        let m = try Sequential([Dense(units: 1)], seed: 2)
        try m.setInput(shape: [1])
        try m.compile(optimizer: json("{\"class_name\": \"SGD\", \"config\": {\"learning_rate\": 0}}"), loss: "mse", metrics: ["mae"])
        let x = (0..<10).map { Float($0) }
        let y = x.map { 2 * $0 + 1 }
        let h = try m.fit(x: x, y: y, options: quiet { $0.validationSplit = 0.3; $0.batchSize = 4 })
        #expect(h.keys == ["loss", "mae", "val_loss", "val_mae"])
        let p = try m.predict(x)
        let se = zip(p, y).map { Double($0 - $1) * Double($0 - $1) }
        expectClose(h["loss"]![0], se[0..<7].reduce(0, +) / 7, rtol: 1e-5, "training loss over the first 7")
        expectClose(h["val_loss"]![0], se[7...].reduce(0, +) / 3, rtol: 1e-5, "val_loss over the last 3")
        expectSeqNNError(.invalidArgument) { try m.fit(x: x, y: y, options: quiet { $0.validationSplit = 1 }) }
        expectSeqNNError(.invalidArgument) { try m.fit(x: [1], y: [3], options: quiet { $0.validationSplit = 0.5 }) }
    }

    @Test func historyKeysFollowKerasOrder() throws {
        let m = try Sequential([Dense(units: 3, activation: Activations.Softmax())])
        try m.setInput(shape: [2])
        try m.addMetric(CustomMetric(name: "zero") { _, _, _, _, _ in 0 })
        try m.compile(optimizer: "adam", loss: "categorical_crossentropy", metrics: ["accuracy", "mse"])
        let x: [Float] = [1, 0, 0, 1, 1, 1, -1, 0]
        let y: [Float] = [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0]
        let h = try m.fit(x: x, y: y, options: quiet { $0.epochs = 3; $0.validationSplit = 0.25 })
        #expect(h.keys == ["loss", "accuracy", "mse", "zero", "val_loss", "val_accuracy", "val_mse", "val_zero"])
        #expect(h.epochs == [0, 1, 2] && h.values.allSatisfy { $0.count == 3 })
        #expect(m.history === h)
        // initial_epoch numbers the epochs on.
        let h2 = try m.fit(x: x, y: y, options: quiet { $0.epochs = 5; $0.initialEpoch = 3 })
        #expect(h2.epochs == [3, 4] && h2.keys == ["loss", "accuracy", "mse", "zero"])
    }

    /// Keras 3 maps a one-column target to its class with np.round (data_adapter_utils.py
    /// `class_weight_to_sample_weights`), a one-hot target with argmax.
    @Test func classWeightPicksTheClassLikeKeras() throws {
        let m = try Sequential([Dense(units: 1, kernelInitializer: Constant(value: 0.5))])
        try m.setInput(shape: [1])
        try m.compile(optimizer: json("{\"class_name\": \"SGD\", \"config\": {\"learning_rate\": 0}}"), loss: "mse")
        // prediction 0.5 for x = 1; target 0.75 rounds to class 1 (weight 4), 0.25 to class 0 (weight 0).
        let h = try m.fit(x: [1, 1], y: [0.75, 0.25], options: quiet { $0.classWeight = [0: 0, 1: 4]; $0.shuffle = false })
        expectClose(h["loss"]![0], (4 * 0.0625 + 0) / 2, rtol: 1e-6, "class weights from rounded targets")
        let oneHot = try Sequential([Dense(units: 2, kernelInitializer: Constant(value: 0), biasInitializer: Constant(value: 0))])
        try oneHot.setInput(shape: [1])
        try oneHot.compile(optimizer: json("{\"class_name\": \"SGD\", \"config\": {\"learning_rate\": 0}}"), loss: "mse")
        let h2 = try oneHot.fit(x: [1, 1], y: [0, 1, 1, 0], options: quiet { $0.classWeight = [0: 3, 1: 1] })
        // per-sample mse 0.5 each; weights 1 (class 1) and 3 (class 0): (0.5 + 1.5) / 2
        expectClose(h2["loss"]![0], 1.0, rtol: 1e-6, "class weights from one-hot targets")
    }

    @Test func epochCallbackReturningTrueStopsTraining() throws {
        let m = try Sequential([Dense(units: 1)])
        try m.setInput(shape: [1])
        try m.compile(optimizer: "sgd", loss: "mse")
        var seen = [Int]()
        let h = try m.fit(x: [1, 2, 3], y: [2, 4, 6], options: quiet {
            $0.epochs = 10
            $0.onEpochEnd = { e, logs in
                seen.append(e)
                #expect(logs.first?.0 == "loss")
                return e == 2
            }
        })
        #expect(seen == [0, 1, 2] && h.epochs == [0, 1, 2])
        // A callback that throws stops training with .stopped.
        struct Halt: Error {}
        expectSeqNNError(.stopped) { try m.fit(x: [1], y: [2], options: quiet { $0.onEpochEnd = { _, _ in throw Halt() } }) }
    }

    @Test func fromConfigReadsKeras2BareListAndKeras3Dict() throws {
        let keras2 = """
        [{"class_name": "Dense", "config": {"name": "dense_1", "trainable": true, "batch_input_shape": [null, 784], "dtype": "float32",
          "units": 32, "activation": "relu", "use_bias": true,
          "kernel_initializer": {"class_name": "VarianceScaling", "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": null}},
          "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": null, "bias_regularizer": null,
          "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}},
         {"class_name": "Dropout", "config": {"name": "dropout_1", "trainable": true, "rate": 0.2, "noise_shape": null, "seed": null}},
         {"class_name": "Dense", "config": {"name": "dense_2", "trainable": true, "units": 10, "activation": "softmax", "use_bias": true}}]
        """
        let m2 = try Sequential.fromConfig(json(keras2), kerasMajor: 2)
        #expect(m2.layers.map(\.name) == ["dense_1", "dropout_1", "dense_2"])
        #expect(m2.inputShape == [784] && m2.parameterCount == 25450)

        let keras3 = """
        {"name": "my_model", "trainable": true, "dtype": "float32", "layers": [
          {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 4], "dtype": "float32", "sparse": false, "name": "input_layer"}, "registered_name": null},
          {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "trainable": true,
            "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
            "units": 5, "activation": "tanh", "use_bias": true}, "registered_name": null, "build_config": {"input_shape": [null, 4]}},
          {"module": "keras.layers", "class_name": "Reshape", "config": {"name": "reshape", "target_shape": [5, 1]}},
          {"module": "keras.layers", "class_name": "Flatten", "config": {"name": "flatten", "data_format": "channels_last"}},
          {"module": "keras.layers", "class_name": "Activation", "config": {"name": "act", "activation": "softmax"}}],
         "build_input_shape": [null, 4]}
        """
        let m3 = try Sequential.fromConfig(json(keras3))
        #expect(m3.name == "my_model")
        #expect(m3.layers.map(\.kerasClassName) == ["Dense", "Reshape", "Flatten", "Activation"])
        #expect(m3.inputShape == [4] && m3.outputShape == [5])
        // Our own config reads back to the same structure.
        let again = try Sequential.fromConfig(m3.config())
        #expect(again.config() == m3.config())
        #expect(again.layers.map(\.name) == m3.layers.map(\.name))
    }

    @Test func fromConfigListsEveryUnknownLayer() throws {
        let text = """
        {"name": "s", "layers": [
          {"class_name": "ConvLSTM2D", "config": {"name": "conv", "filters": 8}},
          {"class_name": "Dense", "config": {"name": "ok", "units": 2}},
          {"class_name": "MultiHeadAttention", "config": {"name": "rnn", "num_heads": 4}},
          {"class_name": "Dense", "config": {"name": "bad_units", "units": 0}},
          {"config": {"name": "no_class"}}]}
        """
        let e = expectSeqNNError(.unsupported) { _ = try Sequential.fromConfig(json(text)) }
        let msg = e?.message ?? ""
        for needle in ["ConvLSTM2D", "conv", "MultiHeadAttention", "rnn", "bad_units", "missing class_name", "4 problem"] {
            #expect(msg.contains(needle), "message lacks \(needle): \(msg)")
        }
        expectSeqNNError(.format) { _ = try Sequential.fromConfig(json("{\"name\": \"x\"}")) }
        expectSeqNNError(.unsupported) {
            _ = try Sequential.fromConfig(json("[{\"class_name\": \"Dense\", \"config\": {\"units\": 2, \"dtype\": \"float16\"}}]"))
        }
    }
}
