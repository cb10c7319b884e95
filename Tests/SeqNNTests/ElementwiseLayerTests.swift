import XCTest
@testable import SeqNN

/// The activation layers (ReLU, LeakyReLU, PReLU, ELU, Softmax, ThresholdedReLU) and Rescaling against real
/// Keras: tools/fixtures/generate_activation_layers.py (and generate_preprocessing.py) store, for each layer
/// alone, inputs that sit exactly on
/// every kink of its function, the output (checked by KerasParityTests) and the gradients of
/// sum(y * r) with respect to x and to the layer's weights, which are checked here. Every layer that has a
/// `grad_x` fixture is covered, so a new elementwise layer needs no new test code.
final class ElementwiseLayerTests: XCTestCase {
    typealias Parity = KerasParityTests

    func testGradientsAtAndAroundKinksMatchKeras() throws {
        let c = Parity.Checker()
        for f in try Parity.fixtures(kind: "model") where f.json["grad_x"] != nil {
            let m = try Parity.model(f, weightsKey: "weights")
            XCTAssertEqual(m.layers.count, 1, "\(f.file): one layer")
            let layer = m.layers[0]
            let x = Parity.array(f.json["x"])!, r = Parity.array(f.json["r"])!
            let xt = Tensor(shape: x.shape, values: x.values), dy = Tensor(shape: r.shape, values: r.values)
            let state = LayerState()
            var rng = SeededGenerator(seed: 0)
            for p in layer.parameters { p.grad.fill(0) }
            layer.forward(xt, state, training: false, rng: &rng)
            c.close(Array(UnsafeBufferPointer(start: state.output.data, count: state.output.count)),
                    Parity.array(f.json["y"])!.values, "\(f.file) y")
            layer.backward(xt, dy, state, needInputGrad: true)
            c.close(Array(UnsafeBufferPointer(start: state.gradInput.data, count: state.gradInput.count)),
                    Parity.array(f.json["grad_x"])!.values, "\(f.file) grad_x")
            let want = f.json["grad_weights"]?.array ?? []
            let trainable = layer.parameters.filter(\.trainsByDefault)   // Keras differentiates trainable weights only
            XCTAssertEqual(want.count, trainable.count, "\(f.file): weight gradients")
            for (p, w) in zip(trainable, want) {
                c.close(Array(UnsafeBufferPointer(start: p.grad.data, count: p.grad.count)), Parity.array(w)!.values,
                        "\(f.file) grad of \(p.name)")
            }
        }
        c.finish("activation layer gradients")
    }

    /// Normalization.adapt on the data Keras adapted on gives Keras's weights (mean, population variance, and
    /// count as each generation keeps it), through the Swift API as the C function uses it.
    func testAdaptLearnsWhatKerasAdaptLearned() throws {
        let c = Parity.Checker()
        for f in try Parity.fixtures(kind: "model") where f.json["adapt_x"] != nil {
            let m = try Sequential.fromConfig(f.json["model_config"]!, kerasMajor: f.generation)
            let x = Parity.array(f.json["adapt_x"])!.values
            try x.withUnsafeBufferPointer { try m.adapt(layer: 0, x: $0) }
            let want = f.json["weights"]!.array![0].array!.map { Parity.array($0)!.values }
            for (k, w) in want.enumerated() {
                c.close(try m.weight(layer: 0, index: k).array, w, "\(f.file) adapted weight \(k)")
            }
            c.close(try m.predict(Parity.array(f.json["x"])!.values), Parity.array(f.json["y"])!.values, "\(f.file) y after adapt")
        }
        c.finish("adapt")
    }

    func testAdaptRefusesLayersWithoutStateAndPartialOrBadData() throws {
        let m = try Sequential([LayerRegistry.make(className: "Normalization", config: [:]),
                                LayerRegistry.make(className: "Dense", config: ["units": 2])])
        try m.setInput(shape: [3])
        XCTAssertThrowsError(try [Float](repeating: 1, count: 6).withUnsafeBufferPointer { try m.adapt(layer: 1, x: $0) }) {
            XCTAssertEqual(($0 as? SeqNNError)?.kind, .unsupported)
        }
        XCTAssertThrowsError(try [Float](repeating: 1, count: 5).withUnsafeBufferPointer { try m.adapt(layer: 0, x: $0) }) {
            XCTAssertEqual(($0 as? SeqNNError)?.kind, .shapeMismatch)
        }
        XCTAssertThrowsError(try [1, 2, .nan].withUnsafeBufferPointer { try m.adapt(layer: 0, x: $0) }) {
            XCTAssertEqual(($0 as? SeqNNError)?.kind, .numeric)
        }
        XCTAssertEqual(try m.weight(layer: 0, index: 1).array, [1, 1, 1], "a refused adapt changes nothing")
        let given = try Sequential([LayerRegistry.make(className: "Normalization", config: ["mean": 0.5, "variance": 2.0])])
        try given.setInput(shape: [3])
        XCTAssertThrowsError(try [Float](repeating: 1, count: 3).withUnsafeBufferPointer { try given.adapt(layer: 0, x: $0) })
    }

    /// A config SeqNN writes reads back as the same layer, in Keras 2 and Keras 3 spellings alike.
    func testConfigsRoundTripInBothKerasSpellings() throws {
        for (cls, config) in [("ReLU", #"{"max_value": 1.5, "negative_slope": 0.2, "threshold": 0.1}"#),
                              ("LeakyReLU", #"{"negative_slope": 0.15}"#), ("LeakyReLU", #"{"alpha": 0.15}"#),
                              ("ELU", #"{"alpha": 0.5}"#), ("Rescaling", #"{"scale": 0.5, "offset": -1}"#),
                              ("Normalization", #"{"axis": null, "mean": 0.5, "variance": 2.0, "invert": true}"#),
                              ("Normalization", #"{"axis": [-1], "mean": [1, 2], "variance": [3, 4]}"#), ("Softmax", #"{"axis": 1}"#), ("ThresholdedReLU", #"{"theta": 0.7}"#),
                              ("PReLU", #"{"shared_axes": [1], "alpha_initializer": {"class_name": "Constant", "config": {"value": 0.25}}}"#)] {
            let a = try LayerRegistry.make(className: cls, config: try JSON.parse(config))
            let b = try LayerRegistry.make(className: cls, config: a.config())
            XCTAssertEqual("\(b.config())", "\(a.config())", "\(cls) \(config)")
        }
        let leaky = try LayerRegistry.make(className: "LeakyReLU", config: try JSON.parse(#"{"negative_slope": 0.15}"#))
        XCTAssertEqual((leaky as? LeakyReLULayer)?.negativeSlope, 0.15)
    }

    func testBadConfigsAreRefusedWithTheirKey() throws {
        for (cls, config, key) in [("ReLU", #"{"max_value": -1}"#, "max_value"), ("ReLU", #"{"threshold": -0.5}"#, "threshold"),
                                   ("LeakyReLU", #"{"negative_slope": -0.1}"#, "negative_slope"),
                                   ("Softmax", #"{"axis": [1, 2]}"#, "axis"), ("Rescaling", "{}", "scale"),
                                   ("Normalization", #"{"mean": [1, 2]}"#, "variance"),
                                   ("Normalization", #"{"mean": 0, "variance": -1}"#, "variance"),
                                   ("Normalization", #"{"axis": [1, 2]}"#, "axis"), ("PReLU", #"{"shared_axes": "x"}"#, "shared_axes"),
                                   ("PReLU", #"{"alpha_constraint": {"class_name": "NonNeg", "config": {}}}"#, "alpha_constraint")] {
            XCTAssertThrowsError(try LayerRegistry.make(className: cls, config: try JSON.parse(config)), "\(cls) \(config)") { e in
                XCTAssertTrue("\(e)".contains(key), "\(cls): '\(e)' names \(key)")
            }
        }
        // Axes are checked against the input shape when the layer is built.
        let m = Sequential()
        try m.setInput(shape: [3, 4])
        XCTAssertThrowsError(try m.add(LayerRegistry.make(className: "Softmax", config: try JSON.parse(#"{"axis": 3}"#))))
        XCTAssertThrowsError(try m.add(LayerRegistry.make(className: "PReLU", config: try JSON.parse(#"{"shared_axes": [3]}"#))))
        XCTAssertThrowsError(try m.add(LayerRegistry.make(className: "Softmax", config: try JSON.parse(#"{"axis": 0}"#))),
                             "the batch axis")
    }
}
