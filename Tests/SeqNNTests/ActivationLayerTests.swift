import XCTest
@testable import SeqNN

/// The activation layers (ReLU, LeakyReLU, PReLU, ELU, Softmax, ThresholdedReLU) and Rescaling against real
/// Keras: tools/fixtures/generate_activation_layers.py (and generate_preprocessing.py) store, for each layer
/// alone, inputs that sit exactly on
/// every kink of its function, the output (checked by KerasParityTests) and the gradients of
/// sum(y * r) with respect to x and to the layer's weights, which are checked here. Every layer that has a
/// `grad_x` fixture is covered, so a new elementwise layer needs no new test code.
final class ActivationLayerTests: XCTestCase {
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
            XCTAssertEqual(want.count, layer.parameters.count, "\(f.file): weight gradients")
            for (p, w) in zip(layer.parameters, want) {
                c.close(Array(UnsafeBufferPointer(start: p.grad.data, count: p.grad.count)), Parity.array(w)!.values,
                        "\(f.file) grad of \(p.name)")
            }
        }
        c.finish("activation layer gradients")
    }

    /// A config SeqNN writes reads back as the same layer, in Keras 2 and Keras 3 spellings alike.
    func testConfigsRoundTripInBothKerasSpellings() throws {
        for (cls, config) in [("ReLU", #"{"max_value": 1.5, "negative_slope": 0.2, "threshold": 0.1}"#),
                              ("LeakyReLU", #"{"negative_slope": 0.15}"#), ("LeakyReLU", #"{"alpha": 0.15}"#),
                              ("ELU", #"{"alpha": 0.5}"#), ("Rescaling", #"{"scale": 0.5, "offset": -1}"#), ("Softmax", #"{"axis": 1}"#), ("ThresholdedReLU", #"{"theta": 0.7}"#),
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
                                   ("Softmax", #"{"axis": [1, 2]}"#, "axis"), ("Rescaling", "{}", "scale"), ("PReLU", #"{"shared_axes": "x"}"#, "shared_axes"),
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
