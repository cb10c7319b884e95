// Initializers: the statistics Keras's definitions imply, on a 200 x 300 kernel (fan_in 200, fan_out 300).
import Testing
@testable import SeqNN

struct InitCase: CustomTestStringConvertible, Sendable {
    let name: String
    let mean: Double
    let variance: Double
    let bound: Double?          // |x| <= bound
    let lower: Double?          // x >= lower (uniform)
    var testDescription: String { name }
}

/// Variance of a unit normal truncated at +-2 is 0.87962566^2; Keras divides the stddev by it so the
/// truncated draw has the intended variance.
let truncatedFactor = 0.87962566103423978

let initCases: [InitCase] = {
    let fanIn = 200.0, fanOut = 300.0, avg = 250.0
    return [
        InitCase(name: "glorot_uniform", mean: 0, variance: 1 / avg, bound: (3 / avg).squareRoot(), lower: nil),
        InitCase(name: "glorot_normal", mean: 0, variance: 1 / avg, bound: 2 * (1 / avg).squareRoot() / truncatedFactor, lower: nil),
        InitCase(name: "he_uniform", mean: 0, variance: 2 / fanIn, bound: (6 / fanIn).squareRoot(), lower: nil),
        InitCase(name: "he_normal", mean: 0, variance: 2 / fanIn, bound: 2 * (2 / fanIn).squareRoot() / truncatedFactor, lower: nil),
        InitCase(name: "lecun_uniform", mean: 0, variance: 1 / fanIn, bound: (3 / fanIn).squareRoot(), lower: nil),
        InitCase(name: "lecun_normal", mean: 0, variance: 1 / fanIn, bound: 2 * (1 / fanIn).squareRoot() / truncatedFactor, lower: nil),
        InitCase(name: "random_uniform", mean: 0, variance: 0.1 * 0.1 / 12, bound: 0.05, lower: nil),
        InitCase(name: "random_normal", mean: 0, variance: 0.05 * 0.05, bound: nil, lower: nil),
        InitCase(name: "truncated_normal", mean: 0, variance: pow2(0.05 * truncatedFactor), bound: 0.1, lower: nil),
        InitCase(name: "{\"class_name\": \"RandomUniform\", \"config\": {\"minval\": 1, \"maxval\": 3}}", mean: 2, variance: 4.0 / 12, bound: 3, lower: 1),
        InitCase(name: "{\"class_name\": \"RandomNormal\", \"config\": {\"mean\": -1, \"stddev\": 0.5}}", mean: -1, variance: 0.25, bound: nil, lower: nil),
        InitCase(name: "{\"class_name\": \"VarianceScaling\", \"config\": {\"scale\": 2, \"mode\": \"fan_out\", \"distribution\": \"untruncated_normal\"}}",
                 mean: 0, variance: 2 / fanOut, bound: nil, lower: nil),
        InitCase(name: "{\"class_name\": \"VarianceScaling\", \"config\": {\"scale\": 3, \"mode\": \"fan_avg\", \"distribution\": \"uniform\"}}",
                 mean: 0, variance: 3 / avg, bound: (9 / avg).squareRoot(), lower: nil),
    ]
}()

func pow2(_ x: Double) -> Double { x * x }

func initializer(_ spec: String) throws -> any Initializer {
    try Initializers.from(spec.hasPrefix("{") ? json(spec) : .string(spec))
}

struct InitializerTests {
    @Test(arguments: initCases)
    func statisticsMatchKerasDefinition(_ c: InitCase) throws {
        let t = Tensor(shape: [200, 300])
        var rng = SeededGenerator(seed: 12345)
        try initializer(c.name).fill(t, rng: &rng)
        let v = t.doubles
        let n = Double(v.count)
        let mean = v.reduce(0, +) / n
        let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        let sd = variance.squareRoot()
        // The mean is within 5 standard errors; the variance within 4% (its relative error is about sqrt(2/n) = 0.6%).
        #expect(abs(mean - c.mean) < 5 * sd / n.squareRoot(), "\(c.name): mean \(mean), expected \(c.mean)")
        expectClose(variance, c.variance, rtol: 0.04, atol: 0, "\(c.name): variance")
        if let b = c.bound {
            let lo = c.lower ?? -b
            #expect(v.allSatisfy { $0 >= lo - 1e-6 && $0 <= b + 1e-6 }, "\(c.name): values outside [\(lo), \(b)]: \(v.min()!) ... \(v.max()!)")
            // The bound is tight: values come close to it.
            #expect(v.max()! > b - 0.05 * (b - lo), "\(c.name): max \(v.max()!) far below the bound \(b)")
        }
        #expect(Set(v).count > v.count / 2, "\(c.name): values should be distinct draws")
    }

    @Test func fansOfConvolutionKernelsIncludeTheReceptiveField() throws {
        // A [3, 3, 16, 32] kernel: fan_in = 3*3*16 = 144, fan_out = 3*3*32 = 288.
        let t = Tensor(shape: [3, 3, 16, 32])
        var rng = SeededGenerator(seed: 2)
        try initializer("glorot_uniform").fill(t, rng: &rng)
        let limit = (6.0 / (144 + 288)).squareRoot()
        let v = t.doubles
        #expect(v.allSatisfy { abs($0) <= limit + 1e-7 })
        #expect(v.map(abs).max()! > 0.95 * limit)
        let conv = computeFans([3, 3, 16, 32]), bias = computeFans([7])
        #expect(conv.fanIn == 144 && conv.fanOut == 288)
        #expect(bias.fanIn == 7 && bias.fanOut == 7)
    }

    @Test(arguments: [[300, 200], [200, 300], [64, 64], [5, 4, 3]])
    func orthogonalGivesOrthonormalRowsOrColumns(shape: [Int]) throws {
        let t = Tensor(shape: shape)
        var rng = SeededGenerator(seed: 8)
        try initializer("orthogonal").fill(t, rng: &rng)
        let cols = shape.last!, rows = t.count / cols
        let w = t.doubles
        // Tall: W^T W = I (columns orthonormal). Wide: W W^T = I (rows orthonormal).
        let (outer, inner, stride1, stride2) = rows >= cols ? (cols, rows, 1, cols) : (rows, cols, cols, 1)
        var worst = 0.0
        for a in 0..<outer {
            for b in a..<outer {
                var s = 0.0
                for k in 0..<inner { s += w[a * stride1 + k * stride2] * w[b * stride1 + k * stride2] }
                worst = max(worst, abs(s - (a == b ? 1 : 0)))
            }
        }
        #expect(worst < 1e-5, "shape \(shape): largest deviation from identity \(worst)")
        // gain scales it
        let g = Tensor(shape: shape)
        var rng2 = SeededGenerator(seed: 8)
        try Initializers.from(json("{\"class_name\": \"Orthogonal\", \"config\": {\"gain\": 2.5}}")).fill(g, rng: &rng2)
        expectClose(g.doubles, w.map { 2.5 * Double(Float($0)) }, rtol: 1e-6, atol: 1e-7, "gain")
    }

    @Test func seededInitializersAreReproducibleAndIgnoreTheModelGenerator() throws {
        let spec = "{\"class_name\": \"GlorotUniform\", \"config\": {\"seed\": 42}}"
        let a = Tensor(shape: [10, 7]), b = Tensor(shape: [10, 7])
        var r1 = SeededGenerator(seed: 1), r2 = SeededGenerator(seed: 999)
        try initializer(spec).fill(a, rng: &r1)
        try initializer(spec).fill(b, rng: &r2)
        #expect(a.array == b.array)
        // Unseeded ones follow the model generator: same state, same values; another state, others.
        let c = Tensor(shape: [10, 7]), d = Tensor(shape: [10, 7]), e = Tensor(shape: [10, 7])
        var s1 = SeededGenerator(seed: 5), s2 = SeededGenerator(seed: 5), s3 = SeededGenerator(seed: 6)
        try initializer("glorot_uniform").fill(c, rng: &s1)
        try initializer("glorot_uniform").fill(d, rng: &s2)
        try initializer("glorot_uniform").fill(e, rng: &s3)
        #expect(c.array == d.array)
        #expect(c.array != e.array)
        // The generator advanced, so a second draw differs from the first.
        try initializer("glorot_uniform").fill(d, rng: &s2)
        #expect(c.array != d.array)
        // All seeded kinds
        for name in ["GlorotNormal", "HeUniform", "HeNormal", "LecunUniform", "LecunNormal", "RandomUniform", "RandomNormal",
                     "TruncatedNormal", "Orthogonal"] {
            let s = "{\"class_name\": \"\(name)\", \"config\": {\"seed\": 7}}"
            let x = Tensor(shape: [6, 5]), y = Tensor(shape: [6, 5])
            var g1 = SeededGenerator(seed: 1), g2 = SeededGenerator(seed: 2)
            try initializer(s).fill(x, rng: &g1)
            try initializer(s).fill(y, rng: &g2)
            #expect(x.array == y.array, "\(name)")
        }
    }

    @Test func constantsAndIdentity() throws {
        var rng = SeededGenerator(seed: 0)
        let t = Tensor(shape: [3, 4], repeating: 9)
        try initializer("zeros").fill(t, rng: &rng)
        #expect(t.array == Array(repeating: 0, count: 12))
        try initializer("ones").fill(t, rng: &rng)
        #expect(t.array == Array(repeating: 1, count: 12))
        try initializer("{\"class_name\": \"Constant\", \"config\": {\"value\": -2.5}}").fill(t, rng: &rng)
        #expect(t.array == Array(repeating: -2.5, count: 12))
        try initializer("{\"class_name\": \"Identity\", \"config\": {\"gain\": 3}}").fill(t, rng: &rng)
        #expect(t.array == [3, 0, 0, 0, 0, 3, 0, 0, 0, 0, 3, 0])
    }

    @Test func namesAndConfigsRoundTrip() throws {
        for name in ["glorot_uniform", "GlorotNormal", "he_uniform", "HeNormal", "lecun_uniform", "lecun_normal", "random_uniform",
                     "random_normal", "truncated_normal", "zeros", "ones", "constant", "orthogonal", "identity"] {
            let i = try initializer(name)
            let again = try Initializers.from(i.json)
            #expect(again.className == i.className, "\(name)")
            #expect(again.json == i.json, "\(name)")
        }
        #expect(try initializer("glorot_uniform").className == "GlorotUniform")
        expectSeqNNError(.invalidArgument) { _ = try initializer("xavier") }
        expectSeqNNError(.invalidArgument) { _ = try initializer("{\"class_name\": \"VarianceScaling\", \"config\": {\"mode\": \"fan_sideways\"}}") }
        expectSeqNNError(.invalidArgument) { _ = try initializer("{\"class_name\": \"VarianceScaling\", \"config\": {\"scale\": -1}}") }
    }

    @Test func denseUsesGlorotUniformKernelsAndZeroBiases() throws {
        let model = try Sequential([Dense(units: 300)], seed: 3)
        try model.setInput(shape: [200])
        let k = try model.weight(layer: 0, index: 0).doubles
        let limit = (6.0 / 500).squareRoot()
        #expect(k.allSatisfy { abs($0) <= limit + 1e-7 })
        expectClose(k.reduce(0) { $0 + $1 * $1 } / Double(k.count), 1.0 / 250, rtol: 0.04, atol: 0, "kernel variance")
        #expect(try model.weight(layer: 0, index: 1).array == Array(repeating: 0, count: 300))
    }
}
