// Layer backward passes against central finite differences of sum(y * r), perturbing in Float
// with steps of 1e-2 and measuring the actual step taken.
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SeqNN

struct DenseCase: CustomTestStringConvertible, Sendable {
    let activation: String
    let useBias: Bool
    let inputShape: [Int]   // per sample
    var testDescription: String { "\(activation) bias=\(useBias) input=\(inputShape)" }
}

let denseCases: [DenseCase] = Activations.names.flatMap { a in
    [DenseCase(activation: a, useBias: true, inputShape: [4]),
     DenseCase(activation: a, useBias: false, inputShape: [4]),
     DenseCase(activation: a, useBias: true, inputShape: [3, 4])]
}

/// Finite-difference derivative of `f` w.r.t. each element of `buffer` (perturbed in place, restored).
func numericGradient(_ buffer: UnsafeMutablePointer<Float>, count: Int, h: Float = 1e-2, _ f: () -> Double) -> [Double] {
    var out = [Double]()
    for i in 0..<count {
        let v = buffer[i]
        buffer[i] = v + h
        let xp = buffer[i]
        let fp = f()
        buffer[i] = v - h
        let xm = buffer[i]
        let fm = f()
        buffer[i] = v
        out.append((fp - fm) / (Double(xp) - Double(xm)))
    }
    return out
}

func dot(_ t: Tensor, _ r: [Float]) -> Double {
    var s = 0.0
    for i in 0..<t.count { s += Double(t.data[i]) * Double(r[i]) }
    return s
}

struct GradientCheckTests {
    @Test(arguments: denseCases)
    func denseGradientMatchesFiniteDifferences(_ c: DenseCase) throws {
        let batch = 2, units = 3
        // Pick data whose pre-activations keep clear of the activation's kinks.
        var chosen: (Dense, Tensor, LayerState)?
        for attempt in 0..<200 {
            let dense = try Dense(units: units, activation: Activations.named(c.activation), useBias: c.useBias,
                                  biasInitializer: RandomUniform(minval: -0.5, maxval: 0.5))
            _ = try built(dense, c.inputShape, seed: UInt64(attempt + 1))
            var r = TestRandom(UInt64(100 + attempt))
            let x = Tensor(shape: [batch] + c.inputShape, values: r.floats(batch * c.inputShape.reduce(1, *), -2, 2))
            let state = LayerState()
            var rng = SeededGenerator(seed: 0)
            dense.forward(x, state, training: true, rng: &rng)
            let z = dense.isLinear ? state.output : state.aux
            if z.array.allSatisfy({ v in activationKinks.allSatisfy { abs(Double(v) - $0) > 0.15 } }) {
                chosen = (dense, x, state)
                break
            }
        }
        let (dense, x, state) = try #require(chosen, "no kink-free data found")
        #expect(state.output.shape == [batch] + c.inputShape.dropLast() + [units])
        var rr = TestRandom(5)
        let r = rr.floats(state.output.count, -1, 1)
        func objective() -> Double {
            let s = LayerState()
            var rng = SeededGenerator(seed: 0)
            dense.forward(x, s, training: true, rng: &rng)
            return dot(s.output, r)
        }
        // Analytic: forward then backward with dy = r.
        var rng = SeededGenerator(seed: 0)
        dense.forward(x, state, training: true, rng: &rng)
        let dy = Tensor(shape: state.output.shape, values: r)
        dense.backward(x, dy, state, needInputGrad: true)
        #expect(state.gradInput.shape == x.shape)

        let kernel = try #require(dense.kernel)
        let tol = (rtol: 3e-3, atol: 1e-3)
        expectClose(kernel.grad.doubles, numericGradient(kernel.value.data, count: kernel.value.count, objective),
                    rtol: tol.rtol, atol: tol.atol, "\(c.testDescription) kernel")
        if c.useBias {
            let bias = try #require(dense.bias)
            expectClose(bias.grad.doubles, numericGradient(bias.value.data, count: bias.value.count, objective),
                        rtol: tol.rtol, atol: tol.atol, "\(c.testDescription) bias")
        } else {
            #expect(dense.bias == nil && dense.parameters.count == 1)
        }
        expectClose(state.gradInput.doubles, numericGradient(x.data, count: x.count, objective),
                    rtol: tol.rtol, atol: tol.atol, "\(c.testDescription) input")
    }

    @Test func denseAccumulatesParameterGradients() throws {
        let dense = try built(Dense(units: 2, activation: Activations.named("tanh")), [3])
        let x = Tensor(shape: [2, 3], values: [0.1, -0.2, 0.3, 0.4, 0.5, -0.6])
        let state = LayerState()
        var rng = SeededGenerator(seed: 0)
        dense.forward(x, state, training: true, rng: &rng)
        let dy = Tensor(shape: [2, 2], values: [1, -1, 0.5, 2])
        dense.backward(x, dy, state, needInputGrad: false)
        let once = dense.kernel!.grad.array, onceB = dense.bias!.grad.array
        dense.forward(x, state, training: true, rng: &rng)
        dense.backward(x, dy, state, needInputGrad: false)
        expectClose(dense.kernel!.grad.array, once.map { 2 * Double($0) }, "kernel grad accumulates")
        expectClose(dense.bias!.grad.array, onceB.map { 2 * Double($0) }, "bias grad accumulates")
    }

    @Test func dropoutGradientEqualsItsMask() throws {
        let rate: Float = 0.4
        let drop = try built(Dropout(rate: rate), [50])
        var r = TestRandom(9)
        let x = Tensor(shape: [4, 50], values: r.floats(200, 0.5, 2))   // nonzero, so y / x recovers the mask
        let rv = r.floats(200, -1, 1)
        func run(_ s: LayerState) { var g = SeededGenerator(seed: 77); drop.forward(x, s, training: true, rng: &g) }
        let state = LayerState()
        run(state)
        let keep = Double(1 / (1 - rate))
        let mask = (0..<x.count).map { Double(state.output.data[$0]) / Double(x.data[$0]) }
        for m in mask { #expect(abs(m) < 1e-6 || abs(m - keep) < 1e-5, "mask value \(m)") }
        let dropped = mask.filter { $0 == 0 }.count
        #expect(dropped > 40 && dropped < 120, "dropped \(dropped) of 200 at rate 0.4")
        drop.backward(x, Tensor(shape: x.shape, values: rv), state, needInputGrad: true)
        expectClose(state.gradInput.doubles, zip(rv, mask).map { Double($0) * $1 }, rtol: 1e-5, atol: 1e-6, "dx = dy * mask")
        // The same, by finite differences with the mask held fixed (same generator state each time).
        let numeric = numericGradient(x.data, count: x.count) { let s = LayerState(); run(s); return dot(s.output, rv) }
        expectClose(numeric, zip(rv, mask).map { Double($0) * $1 }, rtol: 2e-3, atol: 1e-4, "FD of dropout")
    }

    @Test func dropoutIsIdentityAtInference() throws {
        let drop = try built(Dropout(rate: 0.5), [6])
        let x = Tensor(shape: [2, 6], values: (0..<12).map { Float($0) - 5.5 })
        let state = LayerState()
        var g = SeededGenerator(seed: 1)
        drop.forward(x, state, training: false, rng: &g)
        #expect(state.output.array == x.array)
        let zero = try built(Dropout(rate: 0), [6])
        zero.forward(x, state, training: true, rng: &g)
        #expect(state.output.array == x.array, "rate 0 is the identity in training too")
        zero.backward(x, Tensor(shape: [2, 6], values: Array(repeating: 3, count: 12)), state, needInputGrad: true)
        #expect(state.gradInput.array == Array(repeating: 3, count: 12))
        expectSeqNNError(.invalidArgument) { _ = try Dropout(rate: 1) }
        expectSeqNNError(.invalidArgument) { _ = try Dropout(rate: -0.1) }
    }

    @Test func flattenAndReshapeHaveIdentityGradients() throws {
        var r = TestRandom(2)
        let x = Tensor(shape: [2, 3, 4], values: r.floats(24, -1, 1))
        let dyValues = r.floats(24, -1, 1)
        let flat = try built(Flatten(), [3, 4])
        #expect(flat.outputShape == [12])
        let reshape = try built(Reshape(targetShape: [2, -1, 3]), [3, 4])
        #expect(reshape.outputShape == [2, 2, 3])
        for (layer, outShape) in [(flat as Layer, [2, 12]), (reshape as Layer, [2, 2, 2, 3])] {
            let state = LayerState()
            var g = SeededGenerator(seed: 0)
            layer.forward(x, state, training: true, rng: &g)
            #expect(state.output.shape == outShape, "\(layer.name)")
            #expect(state.output.array == x.array, "\(layer.name) keeps row-major order")
            layer.backward(x, Tensor(shape: outShape, values: dyValues), state, needInputGrad: true)
            #expect(state.gradInput.shape == x.shape, "\(layer.name)")
            #expect(state.gradInput.array == dyValues, "\(layer.name) gradient is the identity")
        }
        expectSeqNNError(.shapeMismatch) { _ = try built(Reshape(targetShape: [5]), [3, 4]) }
        expectSeqNNError(.shapeMismatch) { _ = try built(Reshape(targetShape: [5, -1]), [3, 4]) }
        expectSeqNNError(.invalidArgument) { _ = try Reshape(targetShape: [-1, -1]) }
    }

    @Test func activationLayerGradientMatchesFiniteDifferences() throws {
        for name in ["softmax", "tanh", "log_softmax"] {
            let layer = try built(Activation(Activations.named(name)), [2, 3])
            var r = TestRandom(3)
            let x = Tensor(shape: [2, 2, 3], values: r.floats(12, -2, 2))
            let rv = r.floats(12, -1, 1)
            let state = LayerState()
            var g = SeededGenerator(seed: 0)
            layer.forward(x, state, training: true, rng: &g)
            layer.backward(x, Tensor(shape: x.shape, values: rv), state, needInputGrad: true)
            let numeric = numericGradient(x.data, count: 12) {
                let s = LayerState(); var g = SeededGenerator(seed: 0)
                layer.forward(x, s, training: true, rng: &g)
                return dot(s.output, rv)
            }
            expectClose(state.gradInput.doubles, numeric, rtol: 3e-3, atol: 5e-4, "Activation(\(name))")
        }
    }
}
