// Optimizer update rules: two steps on two tiny weights, against Keras 3's update_step formulas
// (keras/src/optimizers/*.py, BaseOptimizer.apply: clip, then decoupled weight decay, then update)
// written out here in Double.
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SeqNN

/// A Double re-statement of one Keras optimizer's update rule.
final class ReferenceOptimizer: @unchecked Sendable {
    let kind: String
    let c: JSON
    var slots: [[String: [Double]]] = []
    var uProduct = 1.0
    init(_ kind: String, _ config: JSON) { self.kind = kind; self.c = config }

    func num(_ k: String, _ d: Double) -> Double { c[k]?.number ?? d }
    var lr: Double { num("learning_rate", kind == "sgd" ? 0.01 : 0.001) }

    func clip(_ grads: [[Double]]) -> [[Double]] {
        // Keras: exactly one of clipnorm (per weight), global_clipnorm, clipvalue, in that precedence.
        if let cn = c["clipnorm"]?.number {
            return grads.map { g in
                let n = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
                return g.map { $0 * cn / max(n, cn) }
            }
        }
        if let gn = c["global_clipnorm"]?.number {
            let n = grads.flatMap { $0 }.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return grads.map { g in g.map { $0 * gn * min(1 / n, 1 / gn) } }
        }
        if let cv = c["clipvalue"]?.number { return grads.map { g in g.map { min(max($0, -cv), cv) } } }
        return grads
    }

    func apply(_ w: inout [[Double]], _ rawGrads: [[Double]], step t: Int) {
        if slots.isEmpty { slots = w.map { _ in [:] } }
        let grads = clip(rawGrads)
        let wd = c["weight_decay"]?.number ?? (kind == "adamw" ? 0.004 : 0)
        let eps = num("epsilon", 1e-7)
        let b1 = num("beta_1", 0.9), b2 = num("beta_2", 0.999)
        let td = Double(t)
        if kind == "nadam" { uProduct *= b1 * (1 - 0.5 * pow(0.96, td)) }
        for i in 0..<w.count {
            w[i] = w[i].map { $0 - $0 * wd * lr }
            let g = grads[i], n = g.count
            func slot(_ name: String, _ initial: Double = 0) -> [Double] { slots[i][name] ?? Array(repeating: initial, count: n) }
            switch kind {
            case "sgd":
                let mom = num("momentum", 0)
                if mom == 0 { w[i] = zip(w[i], g).map { $0 - lr * $1 }; break }
                var m = slot("m")
                for j in 0..<n {
                    m[j] = mom * m[j] - lr * g[j]
                    w[i][j] += c["nesterov"]?.bool == true ? mom * m[j] - lr * g[j] : m[j]
                }
                slots[i]["m"] = m
            case "rmsprop":
                let rho = num("rho", 0.9), mom = num("momentum", 0), centered = c["centered"]?.bool == true
                var v = slot("v"), a = slot("a"), m = slot("m")
                for j in 0..<n {
                    v[j] = rho * v[j] + (1 - rho) * g[j] * g[j]
                    var denom = v[j] + eps
                    if centered { a[j] = rho * a[j] + (1 - rho) * g[j]; denom = v[j] - a[j] * a[j] + eps }
                    let inc = lr * g[j] / denom.squareRoot()
                    if mom > 0 { m[j] = mom * m[j] + inc; w[i][j] -= m[j] } else { w[i][j] -= inc }
                }
                slots[i]["v"] = v; slots[i]["a"] = a; slots[i]["m"] = m
            case "adagrad":
                var acc = slot("acc", num("initial_accumulator_value", 0.1))
                for j in 0..<n {
                    acc[j] += g[j] * g[j]
                    w[i][j] -= lr * g[j] / (acc[j] + eps).squareRoot()
                }
                slots[i]["acc"] = acc
            case "adadelta":
                let rho = num("rho", 0.95)
                var eg = slot("eg"), ed = slot("ed")
                for j in 0..<n {
                    eg[j] = rho * eg[j] + (1 - rho) * g[j] * g[j]
                    let d = -(ed[j] + eps).squareRoot() * g[j] / (eg[j] + eps).squareRoot()
                    ed[j] = rho * ed[j] + (1 - rho) * d * d
                    w[i][j] += lr * d
                }
                slots[i]["eg"] = eg; slots[i]["ed"] = ed
            case "adam", "adamw":
                let alpha = lr * (1 - pow(b2, td)).squareRoot() / (1 - pow(b1, td))
                var m = slot("m"), v = slot("v"), vh = slot("vh")
                for j in 0..<n {
                    m[j] += (g[j] - m[j]) * (1 - b1)
                    v[j] += (g[j] * g[j] - v[j]) * (1 - b2)
                    var vv = v[j]
                    if c["amsgrad"]?.bool == true { vh[j] = max(vh[j], v[j]); vv = vh[j] }
                    w[i][j] -= m[j] * alpha / (vv.squareRoot() + eps)
                }
                slots[i]["m"] = m; slots[i]["v"] = v; slots[i]["vh"] = vh
            case "adamax":
                var m = slot("m"), u = slot("u")
                for j in 0..<n {
                    m[j] += (g[j] - m[j]) * (1 - b1)
                    u[j] = max(b2 * u[j], abs(g[j]))
                    w[i][j] -= lr * m[j] / ((1 - pow(b1, td)) * (u[j] + eps))
                }
                slots[i]["m"] = m; slots[i]["u"] = u
            case "nadam":
                let ut = b1 * (1 - 0.5 * pow(0.96, td)), ut1 = b1 * (1 - 0.5 * pow(0.96, td + 1))
                let prod = uProduct, prod1 = uProduct * ut1
                var m = slot("m"), v = slot("v")
                for j in 0..<n {
                    m[j] += (g[j] - m[j]) * (1 - b1)
                    v[j] += (g[j] * g[j] - v[j]) * (1 - b2)
                    let mHat = ut1 * m[j] / (1 - prod1) + (1 - ut) * g[j] / (1 - prod)
                    let vHat = v[j] / (1 - pow(b2, td))
                    w[i][j] -= mHat * lr / (vHat.squareRoot() + eps)
                }
                slots[i]["m"] = m; slots[i]["v"] = v
            default: fatalError(kind)
            }
        }
    }
}

struct OptimizerCase: CustomTestStringConvertible, Sendable {
    let label: String
    let className: String
    let config: String
    var testDescription: String { label }
}

let optimizerCases: [OptimizerCase] = [
    OptimizerCase(label: "SGD", className: "SGD", config: "{\"learning_rate\": 0.1}"),
    OptimizerCase(label: "SGD defaults", className: "SGD", config: "{}"),
    OptimizerCase(label: "SGD momentum", className: "SGD", config: "{\"learning_rate\": 0.1, \"momentum\": 0.9}"),
    OptimizerCase(label: "SGD nesterov", className: "SGD", config: "{\"learning_rate\": 0.1, \"momentum\": 0.9, \"nesterov\": true}"),
    OptimizerCase(label: "RMSprop", className: "RMSprop", config: "{\"learning_rate\": 0.01}"),
    OptimizerCase(label: "RMSprop defaults", className: "RMSprop", config: "{}"),
    OptimizerCase(label: "RMSprop momentum", className: "RMSprop", config: "{\"learning_rate\": 0.01, \"momentum\": 0.5}"),
    OptimizerCase(label: "RMSprop centered", className: "RMSprop", config: "{\"learning_rate\": 0.01, \"centered\": true}"),
    OptimizerCase(label: "RMSprop centered momentum", className: "RMSprop", config: "{\"learning_rate\": 0.01, \"centered\": true, \"momentum\": 0.3, \"rho\": 0.8}"),
    OptimizerCase(label: "Adagrad", className: "Adagrad", config: "{\"learning_rate\": 0.1}"),
    OptimizerCase(label: "Adagrad initial accumulator", className: "Adagrad", config: "{\"learning_rate\": 0.1, \"initial_accumulator_value\": 0.5}"),
    OptimizerCase(label: "Adadelta", className: "Adadelta", config: "{\"learning_rate\": 1.0}"),
    OptimizerCase(label: "Adadelta defaults", className: "Adadelta", config: "{}"),
    OptimizerCase(label: "Adam", className: "Adam", config: "{\"learning_rate\": 0.01}"),
    OptimizerCase(label: "Adam defaults", className: "Adam", config: "{}"),
    OptimizerCase(label: "Adam amsgrad", className: "Adam", config: "{\"learning_rate\": 0.01, \"amsgrad\": true, \"beta_2\": 0.5}"),
    OptimizerCase(label: "AdamW default decay", className: "AdamW", config: "{\"learning_rate\": 0.01}"),
    OptimizerCase(label: "AdamW decay 0.1", className: "AdamW", config: "{\"learning_rate\": 0.01, \"weight_decay\": 0.1}"),
    OptimizerCase(label: "Adamax", className: "Adamax", config: "{\"learning_rate\": 0.01}"),
    OptimizerCase(label: "Nadam", className: "Nadam", config: "{\"learning_rate\": 0.01}"),
    OptimizerCase(label: "Nadam defaults", className: "Nadam", config: "{}"),
    OptimizerCase(label: "SGD clipnorm", className: "SGD", config: "{\"learning_rate\": 0.1, \"clipnorm\": 0.5}"),
    OptimizerCase(label: "SGD clipvalue", className: "SGD", config: "{\"learning_rate\": 0.1, \"clipvalue\": 0.3}"),
    OptimizerCase(label: "SGD global_clipnorm", className: "SGD", config: "{\"learning_rate\": 0.1, \"global_clipnorm\": 1.0}"),
    OptimizerCase(label: "Adam clipnorm", className: "Adam", config: "{\"learning_rate\": 0.01, \"clipnorm\": 0.5}"),
    OptimizerCase(label: "RMSprop global_clipnorm", className: "RMSprop", config: "{\"learning_rate\": 0.01, \"global_clipnorm\": 0.7}"),
    OptimizerCase(label: "SGD weight_decay", className: "SGD", config: "{\"learning_rate\": 0.1, \"weight_decay\": 0.2}"),
    OptimizerCase(label: "SGD clipnorm wins over clipvalue (tf_keras precedence)", className: "SGD",
                  config: "{\"learning_rate\": 0.1, \"clipnorm\": 1.0, \"clipvalue\": 0.1}"),
]

let initialWeights: [[Float]] = [[0.5, -0.3, 0.8], [0.1, -1.2]]
let stepGradients: [[[Float]]] = [
    [[0.2, -0.5, 1.5], [-0.7, 0.05]],
    [[-0.1, 0.4, 0.3], [0.3, -0.2]],
]

struct OptimizerTests {
    @Test(arguments: optimizerCases)
    func twoStepsMatchKerasUpdateRule(_ c: OptimizerCase) throws {
        let config = json(c.config)
        let opt = try Optimizers.from(.object([("class_name", .string(c.className)), ("config", config)]))
        #expect(opt.kerasClassName == c.className)
        let params = initialWeights.enumerated().map { i, w in
            let p = Parameter(name: "w\(i)", shape: [w.count])
            p.value.data.update(from: w, count: w.count)
            return p
        }
        let ref = ReferenceOptimizer(c.className.lowercased(), config)
        var want = initialWeights.map { $0.map(Double.init) }
        for (s, grads) in stepGradients.enumerated() {
            for (p, g) in zip(params, grads) { p.grad.data.update(from: g, count: g.count) }
            opt.apply(params)
            ref.apply(&want, grads.map { $0.map(Double.init) }, step: s + 1)
            #expect(opt.iterations == s + 1)
            for (i, p) in params.enumerated() {
                expectClose(p.value.doubles, want[i], rtol: 2e-6, atol: 2e-7, "\(c.label) step \(s + 1) weight \(i)")
            }
        }
        // A wrong rule would move the weights differently; make sure this case moved them at all.
        #expect(params[0].value.array != initialWeights[0], "\(c.label) did not update")
    }

    // The default Adam and RMSprop updates run as C kernels (CSeqNNKernels/optimizer.c, AVX-512/AVX2 clones);
    // they must round exactly like the plain loops: same operations, same order, no FMA contraction.
    @Test(arguments: [1, 15, 16, 17, 1000, 4099])
    func adamKernelMatchesThePlainLoopBitForBit(_ n: Int) throws {
        var r = TestRandom(UInt64(n))
        let g = r.floats(n, -2, 2), w0 = r.floats(n, -1, 1), m0 = r.floats(n, -0.1, 0.1), v0 = r.floats(n, 0, 0.1)
        let adam = try Adam()
        let slots = [Tensor(shape: [n]), Tensor(shape: [n])]
        slots[0].data.update(from: m0, count: n)
        slots[1].data.update(from: v0, count: n)
        var w = w0, wRef = w0, mRef = m0, vRef = v0
        w.withUnsafeMutableBufferPointer { adam.update($0.baseAddress!, grad: g, count: n, slots: slots, step: 3) }
        let alpha = adam.learningRate * (1 - powf(adam.beta2, 3)).squareRoot() / (1 - powf(adam.beta1, 3))
        Adam.plainUpdate(&wRef, g, &mRef, &vRef, count: n, alpha: alpha, b1: 1 - adam.beta1, b2: 1 - adam.beta2, eps: adam.epsilon)
        #expect(w == wRef)
        #expect(slots[0].array == mRef)
        #expect(slots[1].array == vRef)
    }

    @Test(arguments: [1, 15, 16, 17, 1000, 4099])
    func rmspropKernelMatchesThePlainLoopBitForBit(_ n: Int) throws {
        var r = TestRandom(UInt64(n) + 7)
        let g = r.floats(n, -2, 2), w0 = r.floats(n, -1, 1), v0 = r.floats(n, 0, 0.1)
        let rms = try RMSprop(config: .object([("rho", .number(0.8)), ("learning_rate", .number(0.01))]))
        let slots = [Tensor(shape: [n])]
        slots[0].data.update(from: v0, count: n)
        var w = w0, wRef = w0, vRef = v0
        w.withUnsafeMutableBufferPointer { rms.update($0.baseAddress!, grad: g, count: n, slots: slots, step: 1) }
        for j in 0..<n {   // RMSprop's general loop with momentum 0, not centered
            vRef[j] = rms.rho * vRef[j] + (1 - rms.rho) * g[j] * g[j]
            wRef[j] -= rms.learningRate * g[j] / (vRef[j] + rms.epsilon).squareRoot()
        }
        #expect(w == wRef)
        #expect(slots[0].array == vRef)
    }

    @Test func defaultsAreKeras3s() throws {
        let sgd = try #require(try Optimizers.from("sgd") as? SGD)
        #expect(sgd.learningRate == 0.01 && sgd.momentum == 0 && !sgd.nesterov)
        let rms = try #require(try Optimizers.from("rmsprop") as? RMSprop)
        #expect(rms.learningRate == 0.001 && rms.rho == 0.9 && rms.momentum == 0 && rms.epsilon == 1e-7 && !rms.centered)
        let ada = try #require(try Optimizers.from("adagrad") as? Adagrad)
        #expect(ada.learningRate == 0.001 && ada.initialAccumulatorValue == 0.1 && ada.epsilon == 1e-7)
        let delta = try #require(try Optimizers.from("adadelta") as? Adadelta)
        #expect(delta.learningRate == 0.001 && delta.rho == 0.95 && delta.epsilon == 1e-7)
        let adam = try #require(try Optimizers.from("adam") as? Adam)
        #expect(adam.learningRate == 0.001 && adam.beta1 == 0.9 && adam.beta2 == 0.999 && adam.epsilon == 1e-7 && !adam.amsgrad)
        #expect(adam.weightDecay == nil)
        let adamw = try #require(try Optimizers.from("adamw") as? AdamW)
        #expect(adamw.learningRate == 0.001 && adamw.weightDecay == 0.004)
        let adamax = try #require(try Optimizers.from("Adamax") as? Adamax)
        #expect(adamax.learningRate == 0.001 && adamax.beta1 == 0.9 && adamax.beta2 == 0.999 && adamax.epsilon == 1e-7)
        let nadam = try #require(try Optimizers.from("nadam") as? Nadam)
        #expect(nadam.learningRate == 0.001 && nadam.beta1 == 0.9 && nadam.beta2 == 0.999 && nadam.epsilon == 1e-7)
        // Keras 2 spells the learning rate "lr".
        #expect(try Optimizers.from(json("{\"class_name\": \"Adam\", \"config\": {\"lr\": 0.05}}")).learningRate == 0.05)
    }

    @Test func slotsFollowKerasVariableNames() throws {
        #expect(try Optimizers.from("sgd").slotNames == [])
        #expect(try Optimizers.from(json("{\"class_name\": \"SGD\", \"config\": {\"momentum\": 0.9}}")).slotNames == ["momentum"])
        #expect(try Optimizers.from("adam").slotNames == ["momentum", "velocity"])
        #expect(try Optimizers.from(json("{\"class_name\": \"Adam\", \"config\": {\"amsgrad\": true}}")).slotNames == ["momentum", "velocity", "velocity_hat"])
        #expect(try Optimizers.from(json("{\"class_name\": \"RMSprop\", \"config\": {\"momentum\": 0.5, \"centered\": true}}")).slotNames
                == ["velocity", "momentum", "average_gradient"])
    }

    @Test func configRoundTrips() throws {
        for c in optimizerCases {
            let opt = try Optimizers.from(.object([("class_name", .string(c.className)), ("config", json(c.config))]))
            let again = try Optimizers.from(opt.config())
            #expect(again.config() == opt.config(), "\(c.label)")
            #expect(opt.config()["class_name"]?.string == c.className)
        }
    }

    @Test func invalidOptionsAreRefused() throws {
        expectSeqNNError(.invalidArgument) { _ = try Optimizers.from("adagrad2") }
        expectSeqNNError(.invalidArgument) { _ = try Optimizers.from(json("{\"class_name\": \"SGD\", \"config\": {\"learning_rate\": -1}}")) }
        expectSeqNNError(.invalidArgument) { _ = try Optimizers.from(json("{\"class_name\": \"SGD\", \"config\": {\"momentum\": 1.5}}")) }
        expectSeqNNError(.invalidArgument) { _ = try Optimizers.from(json("{\"class_name\": \"Adam\", \"config\": {\"beta_1\": \"x\"}}")) }
        expectSeqNNError(.unsupported) {   // a schedule class of the user's own (known ones: ScheduleTests)
            _ = try Optimizers.from(json("{\"class_name\": \"Adam\", \"config\": {\"learning_rate\": {\"class_name\": \"MySchedule\", \"config\": {}}}}"))
        }
        expectSeqNNError(.invalidArgument) {   // a known schedule without its required arguments
            _ = try Optimizers.from(json("{\"class_name\": \"Adam\", \"config\": {\"learning_rate\": {\"class_name\": \"ExponentialDecay\", \"config\": {}}}}"))
        }
        expectSeqNNError(.unsupported) { _ = try Optimizers.from(json("{\"class_name\": \"Adam\", \"config\": {\"use_ema\": true}}")) }
    }

    /// Keras 3 and tf_keras both refuse clipnorm together with global_clipnorm
    /// (keras/src/optimizers/base_optimizer.py:130, tf_keras/src/optimizers/optimizer.py:97).
    @Test func clipnormWithGlobalClipnormIsRefused() throws {
        expectSeqNNError(.invalidArgument) {
            _ = try Optimizers.from(json("{\"class_name\": \"SGD\", \"config\": {\"clipnorm\": 1.0, \"global_clipnorm\": 1.0}}"))
        }
    }
}
