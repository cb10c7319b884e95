// Activations: forward values against Double formulas written from the Keras definitions, and
// backward against central finite differences of sum(y * r).
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SeqNN

/// Keras 3's definitions (keras/src/activations/activations.py), in Double, one row at a time.
func referenceActivation(_ name: String, _ x: [Double], kerasMajor: Int = 3) -> [Double] {
    func sigmoid(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
    let seluAlpha = 1.6732632423543772848170429916717, seluScale = 1.0507009873554804934193349852946
    switch name {
    case "linear": return x
    case "relu": return x.map { max($0, 0) }
    case "sigmoid": return x.map(sigmoid)
    case "tanh": return x.map { tanh($0) }
    case "softmax":
        let m = x.max()!
        let e = x.map { exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    case "log_softmax":
        let m = x.max()!
        let lse = m + log(x.map { exp($0 - m) }.reduce(0, +))
        return x.map { $0 - lse }
    case "elu": return x.map { $0 > 0 ? $0 : exp($0) - 1 }
    case "selu": return x.map { seluScale * ($0 > 0 ? $0 : seluAlpha * (exp($0) - 1)) }
    case "softplus": return x.map { log1p(exp($0)) }
    case "softsign": return x.map { $0 / (1 + abs($0)) }
    case "exponential": return x.map { exp($0) }
    case "hard_sigmoid":
        return kerasMajor >= 3 ? x.map { min(max($0 + 3, 0), 6) / 6 } : x.map { min(max(0.2 * $0 + 0.5, 0), 1) }
    case "gelu": return x.map { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) }
    case "silu", "swish": return x.map { $0 * sigmoid($0) }
    case "leaky_relu": return x.map { $0 > 0 ? $0 : 0.2 * $0 }
    case "relu6": return x.map { min(max($0, 0), 6) }
    default: fatalError("no reference for \(name)")
    }
}

/// Points where some activation is not differentiable; test inputs keep away from them.
let activationKinks: [Double] = [0, -3, 3, 6, -2.5, 2.5]

/// rows x cols inputs in [-4, 7], each at least `margin` from every kink.
func activationInputs(rows: Int, cols: Int, seed: UInt64, margin: Double = 0.1) -> [Float] {
    var r = TestRandom(seed)
    var out = [Float]()
    while out.count < rows * cols {
        let v = r.uniform(-4, 7)
        if activationKinks.allSatisfy({ abs(v - $0) > margin }) { out.append(Float(v)) }
    }
    return out
}

struct ActivationTests {
    @Test(arguments: Activations.names)
    func forwardMatchesKerasDefinition(name: String) throws {
        let f = try Activations.named(name)
        #expect(f.name == name)
        let rows = 4, cols = 6
        let x = activationInputs(rows: rows, cols: cols, seed: 11)
        var y = [Float](repeating: 0, count: x.count)
        f.forward(x, &y, rows: rows, cols: cols)
        for r in 0..<rows {
            let xr = x[(r * cols)..<((r + 1) * cols)].map(Double.init)
            let ref = referenceActivation(name, xr)
            expectClose(Array(y[(r * cols)..<((r + 1) * cols)]), ref, rtol: 2e-6, atol: 2e-6, "\(name) row \(r)")
        }
    }

    @Test(arguments: Activations.names)
    func backwardMatchesFiniteDifferences(name: String) throws {
        let f = try Activations.named(name)
        let rows = 3, cols = 5, n = rows * cols
        let x = activationInputs(rows: rows, cols: cols, seed: 5)
        var rr = TestRandom(99)
        let r = rr.floats(n, -1, 1)
        func objective(_ xs: [Float]) -> Double {
            var y = [Float](repeating: 0, count: n)
            f.forward(xs, &y, rows: rows, cols: cols)
            return zip(y, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        var y = [Float](repeating: 0, count: n)
        f.forward(x, &y, rows: rows, cols: cols)
        var dx = [Float](repeating: 0, count: n)
        f.backward(x: x, y: y, dy: r, dx: &dx, rows: rows, cols: cols)
        let h: Float = 1e-2
        var numeric = [Double]()
        for i in 0..<n {
            var xp = x, xm = x
            xp[i] += h; xm[i] -= h
            numeric.append((objective(xp) - objective(xm)) / (Double(xp[i]) - Double(xm[i])))
        }
        expectClose(dx.map(Double.init), numeric, rtol: 2e-3, atol: 5e-4, "\(name) dx")
    }

    /// The protocol allows dx to alias dy (Dense and the model reuse buffers this way).
    @Test(arguments: Activations.names)
    func backwardAllowsDxToAliasDy(name: String) throws {
        let f = try Activations.named(name)
        let rows = 2, cols = 4, n = rows * cols
        let x = activationInputs(rows: rows, cols: cols, seed: 3)
        var y = [Float](repeating: 0, count: n)
        f.forward(x, &y, rows: rows, cols: cols)
        var rr = TestRandom(4)
        let r = rr.floats(n, -1, 1)
        var separate = [Float](repeating: 0, count: n)
        f.backward(x: x, y: y, dy: r, dx: &separate, rows: rows, cols: cols)
        let buf = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { buf.deallocate() }
        buf.initialize(from: r, count: n)
        f.backward(x: x, y: y, dy: buf, dx: buf, rows: rows, cols: cols)
        #expect(Array(UnsafeBufferPointer(start: buf, count: n)) == separate, "\(name)")
    }

    @Test func keras2HardSigmoidUsesSlopePointTwo() throws {
        let f = try Activations.named("hard_sigmoid", kerasMajor: 2)
        let x: [Float] = [-3, -1, 0, 1, 2, 3]
        var y = [Float](repeating: 0, count: x.count)
        f.forward(x, &y, rows: 1, cols: x.count)
        expectClose(y, referenceActivation("hard_sigmoid", x.map(Double.init), kerasMajor: 2), "keras 2 hard_sigmoid")
        // Keras 3: relu6(x + 3) / 6
        let f3 = try Activations.named("hard_sigmoid")
        f3.forward(x, &y, rows: 1, cols: x.count)
        expectClose(y, [0, 2.0 / 6, 0.5, 4.0 / 6, 5.0 / 6, 1], "keras 3 hard_sigmoid")
    }

    @Test func extremeInputsStayFinite() throws {
        let x: [Float] = [-100, -30, 30, 100]
        for name in Activations.names where name != "exponential" {
            let f = try Activations.named(name)
            var y = [Float](repeating: 0, count: x.count)
            f.forward(x, &y, rows: 1, cols: x.count)
            let yFinite = y.allSatisfy { $0.isFinite }
            #expect(yFinite, "\(name) forward: \(y)")
            var dx = [Float](repeating: 0, count: x.count)
            f.backward(x: x, y: y, dy: [1, 1, 1, 1], dx: &dx, rows: 1, cols: x.count)
            let dxFinite = dx.allSatisfy { $0.isFinite }
            #expect(dxFinite, "\(name) backward: \(dx)")
        }
        let sig = try Activations.named("sigmoid")
        var y = [Float](repeating: 0, count: 2)
        sig.forward([-100, 100], &y, rows: 1, cols: 2)
        #expect(y[0] >= 0 && y[0] < 1e-30 && y[1] == 1)
        let sm = try Activations.named("softmax")
        sm.forward([1000, 0], &y, rows: 1, cols: 2)
        #expect(y == [1, 0])
    }

    @Test func derivativesAtKinksFollowTensorFlow() throws {
        // relu'(0) = 0 (TensorFlow's ReluGrad); leaky_relu'(0) = slope; relu6'(6) = 0.
        var dx = [Float](repeating: 0, count: 1)
        // elu/selu branch on the output like EluGrad/SeluGrad, so their slope at 0 is the right-hand one.
        // hard_sigmoid: Keras 3's relu6(x + 3) passes the gradient strictly inside (-3, 3); Keras 2's
        // clip_by_value(0.2 x + 0.5) at its bounds too.
        let cases: [(String, Float, Float, Int)] = [("relu", 0, 0, 3), ("leaky_relu", 0, 0.2, 3), ("relu6", 6, 0, 3), ("relu6", 0, 0, 3),
                                                    ("elu", 0, 1, 3), ("selu", 0, 1.05070098, 3),
                                                    ("hard_sigmoid", 3, 0, 3), ("hard_sigmoid", -3, 0, 3),
                                                    ("hard_sigmoid", 2.5, 0.2, 2), ("hard_sigmoid", -2.5, 0.2, 2)]
        for (name, x, expected, major) in cases {
            let f = try Activations.named(name, kerasMajor: major)
            var y = [Float](repeating: 0, count: 1)
            f.forward([x], &y, rows: 1, cols: 1)
            f.backward(x: [x], y: y, dy: [1], dx: &dx, rows: 1, cols: 1)
            #expect(abs(dx[0] - expected) < 1e-6, "\(name)'(\(x)) (Keras \(major)): \(dx[0])")
        }
    }

    @Test func namesResolveLikeKeras() throws {
        #expect(try Activations.named(nil).name == "linear")
        #expect(try Activations.named("swish").name == "swish")
        let e = expectSeqNNError(.invalidArgument) { _ = try Activations.named("mish") }
        #expect(e?.message.contains("mish") == true)
    }
}
