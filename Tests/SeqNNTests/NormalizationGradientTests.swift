// BatchNormalization, LayerNormalization, RepeatVector and Permute backward passes against central finite
// differences of sum(y * r), in training mode (batch statistics) where that matters.
import Testing
@testable import SeqNN

struct NormalizationGradientTests {
    /// Checks dInput and every trainable weight's gradient of `layer` on a random input of `shape` (batch first).
    func check(_ layer: Layer, batchShape: [Int], training: Bool = true, tolerance: Double = 2e-2) throws {
        var rng = TestRandom(11)
        let x = Tensor(shape: batchShape, values: rng.floats(batchShape.reduce(1, *), -1.5, 1.5))
        _ = try built(layer, Array(batchShape.dropFirst()))
        for p in layer.parameters where p.trainable {
            for i in 0..<p.value.count { p.value.data[i] = Float(rng.uniform(0.5, 1.5)) }
        }
        let state = LayerState()
        var g = SeededGenerator(seed: 1)
        layer.forward(x, state, training: training, rng: &g)
        let r = rng.floats(state.output.count, -1, 1)
        // Moving statistics change in every training forward; finite differences must not see that drift.
        let frozen = layer.parameters.filter { !$0.trainsByDefault }.map { $0.value.array }
        func objective() -> Double {
            for (p, v) in zip(layer.parameters.filter { !$0.trainsByDefault }, frozen) { p.value.data.update(from: v, count: v.count) }
            let s = LayerState()
            var g2 = SeededGenerator(seed: 1)
            layer.forward(x, s, training: training, rng: &g2)
            return dot(s.output, r)
        }
        _ = objective()
        let s = LayerState()
        var g3 = SeededGenerator(seed: 1)
        layer.forward(x, s, training: training, rng: &g3)
        for p in layer.parameters where p.trainable { p.grad.fill(0) }
        layer.backward(x, Tensor(shape: s.output.shape, values: r), s, needInputGrad: true)
        let analytic = s.gradInput.array
        let numeric = numericGradient(x.data, count: x.count, h: 1e-2, objective)
        expectClose(analytic, numeric, rtol: tolerance, atol: tolerance, "\(layer.kerasClassName) input gradient")
        for p in layer.parameters where p.trainable {
            let num = numericGradient(p.value.data, count: p.value.count, h: 1e-2, objective)
            expectClose(p.grad.array, num, rtol: tolerance, atol: tolerance, "\(layer.kerasClassName) \(p.name) gradient")
        }
    }

    @Test func batchNormalizationTrainingGradient() throws {
        try check(BatchNormalization(), batchShape: [6, 4])
        try check(BatchNormalization(center: false), batchShape: [5, 3, 4])
    }

    @Test func batchNormalizationInferenceIsAffine() throws {
        try check(BatchNormalization(), batchShape: [6, 4], training: false)
    }

    @Test func batchNormalizationUpdatesMovingStatisticsOnlyInTraining() throws {
        let bn = try built(BatchNormalization(momentum: 0.5), [2])
        let x = Tensor(shape: [2, 2], values: [1, 10, 3, 30])
        var g = SeededGenerator(seed: 1)
        bn.forward(x, LayerState(), training: false, rng: &g)
        #expect(bn.parameters[2].value.array == [0, 0])
        bn.forward(x, LayerState(), training: true, rng: &g)
        // moving = 0.5 * moving + 0.5 * batch: means (2, 20), biased variances (1, 100).
        #expect(bn.parameters[2].value.array == [1, 10])
        #expect(bn.parameters[3].value.array == [1, 50.5])
    }

    @Test func layerNormalizationGradient() throws {
        try check(LayerNormalization(), batchShape: [4, 5])
        try check(LayerNormalization(center: false), batchShape: [3, 2, 5])
    }

    @Test func repeatVectorAndPermuteGradients() throws {
        try check(RepeatVector(n: 3), batchShape: [2, 4])
        try check(Permute(dims: [2, 1]), batchShape: [2, 3, 4])
        try check(Permute(dims: [3, 1, 2]), batchShape: [2, 2, 3, 4])
    }

    @Test func normalizationAxisMustBeLast() throws {
        let c = try LayerConfig(className: "BatchNormalization", json: json(#"{"axis": [1]}"#), kerasMajor: 2)
        let bn = try BatchNormalization(config: c)
        var g = SeededGenerator(seed: 1)
        #expect(throws: SeqNNError.self) { _ = try bn.buildChecked(inputShape: [3, 4], rng: &g) }
        _ = try BatchNormalization(config: c).buildChecked(inputShape: [4], rng: &g)   // axis 1 of a 2-D input: last
    }
}
