// The whole training path (forward, loss incl. the fused logits path, backward, SGD step) against a
// Double reference model written here and differentiated by central finite differences.
// With SGD(learning_rate=1), one train_on_batch changes each weight by exactly -dLoss/dw.
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SeqNN

/// A Double re-implementation of the layers used here, per sample as a [T, F] matrix.
struct ReferenceModel {
    enum Kind { case dense(units: Int, act: String, bias: Bool, l1: Double, l2: Double), activation(String), flatten }
    var kinds: [Kind]
    var params: [[Double]]      // kernel, bias per Dense, in Keras order
    let loss: String            // "cce", "bce", "mse", "scce"

    func activate(_ name: String, _ row: [Double]) -> [Double] { referenceActivation(name, row) }

    /// Output rows for one sample given as [T, F].
    func forward(_ x: [[Double]], params p: [[Double]]) -> [[Double]] {
        var a = x
        var k = 0
        for kind in kinds {
            switch kind {
            case let .dense(units, act, bias, _, _):
                let w = p[k], b = bias ? p[k + 1] : nil
                k += bias ? 2 : 1
                let inDim = a[0].count
                a = a.map { row in
                    let z = (0..<units).map { u in (0..<inDim).reduce(b?[u] ?? 0) { $0 + row[$1] * w[$1 * units + u] } }
                    return activate(act, z)
                }
            case let .activation(act): a = a.map { activate(act, $0) }
            case .flatten: a = [a.flatMap { $0 }]
            }
        }
        return a
    }

    func rowLoss(_ y: [Double], _ t: [Double]) -> Double {
        switch loss {
        case "cce": return -zip(t, y).map { $0 * log($1) }.reduce(0, +)
        case "scce": return -log(y[Int(t[0])])
        case "bce": return zip(t, y).map { -($0 * log($1) + (1 - $0) * log(1 - $1)) }.reduce(0, +) / Double(y.count)
        case "mse": return zip(t, y).map { ($1 - $0) * ($1 - $0) }.reduce(0, +) / Double(y.count)
        default: fatalError()
        }
    }

    /// sum_r w_r loss_r / rows plus the weight penalties, as Keras reports and trains on.
    func totalLoss(x: [Float], inShape: [Int], y: [Float], trueCols: Int, weights: [Double]?, params p: [[Double]]) -> Double {
        let inWidth = inShape.reduce(1, *)
        let samples = x.count / inWidth
        let f = inShape.last!
        var sum = 0.0, rows = 0
        for s in 0..<samples {
            let flat = x[(s * inWidth)..<((s + 1) * inWidth)].map(Double.init)
            let sample = stride(from: 0, to: inWidth, by: f).map { Array(flat[$0..<($0 + f)]) }
            let out = forward(sample, params: p)
            for (j, row) in out.enumerated() {
                let tStart = (s * out.count + j) * trueCols
                let t = y[tStart..<(tStart + trueCols)].map(Double.init)
                sum += (weights?[s] ?? 1) * rowLoss(row, t)
                rows += 1
            }
        }
        var penalty = 0.0, k = 0
        for kind in kinds {
            guard case let .dense(_, _, bias, l1, l2) = kind else { continue }
            penalty += p[k].reduce(0) { $0 + l1 * abs($1) + l2 * $1 * $1 }
            k += bias ? 2 : 1
        }
        return sum / Double(rows) + penalty
    }
}

struct ModelCase: CustomTestStringConvertible, Sendable {
    let label: String
    let inShape: [Int]
    let layers: @Sendable () throws -> [Layer]
    let ref: [ReferenceModel.Kind]
    let loss: String
    let kerasLoss: String
    let outCols: Int
    let trueCols: Int
    let fusion: String
    var sampleWeights: [Float]? = nil
    var frozenFirst = false
    var testDescription: String { label }
}


func dense(_ units: Int, _ act: String, bias: Bool = true, reg: Regularizer? = nil) throws -> Dense {
    try Dense(units: units, activation: Activations.named(act), useBias: bias, kernelRegularizer: reg)
}

let modelCases: [ModelCase] = [
    ModelCase(label: "tanh->softmax + categorical_crossentropy (fused Dense logits)", inShape: [4],
              layers: { [try dense(5, "tanh"), try dense(3, "softmax")] },
              ref: [.dense(units: 5, act: "tanh", bias: true, l1: 0, l2: 0), .dense(units: 3, act: "softmax", bias: true, l1: 0, l2: 0)],
              loss: "cce", kerasLoss: "categorical_crossentropy", outCols: 3, trueCols: 3, fusion: "Dense"),
    ModelCase(label: "fused categorical_crossentropy with sample weights", inShape: [4],
              layers: { [try dense(5, "tanh"), try dense(3, "softmax")] },
              ref: [.dense(units: 5, act: "tanh", bias: true, l1: 0, l2: 0), .dense(units: 3, act: "softmax", bias: true, l1: 0, l2: 0)],
              loss: "cce", kerasLoss: "categorical_crossentropy", outCols: 3, trueCols: 3, fusion: "Dense",
              sampleWeights: [1, 0.5, 2, 0, 1, 1.5]),
    ModelCase(label: "Dense -> Activation(softmax) + categorical_crossentropy (fused Activation input)", inShape: [4],
              layers: { [try dense(5, "tanh"), try dense(3, "linear"), Activation(Activations.Softmax())] },
              ref: [.dense(units: 5, act: "tanh", bias: true, l1: 0, l2: 0), .dense(units: 3, act: "linear", bias: true, l1: 0, l2: 0), .activation("softmax")],
              loss: "cce", kerasLoss: "categorical_crossentropy", outCols: 3, trueCols: 3, fusion: "Activation"),
    ModelCase(label: "tanh->sigmoid + binary_crossentropy (fused)", inShape: [4],
              layers: { [try dense(5, "tanh"), try dense(2, "sigmoid")] },
              ref: [.dense(units: 5, act: "tanh", bias: true, l1: 0, l2: 0), .dense(units: 2, act: "sigmoid", bias: true, l1: 0, l2: 0)],
              loss: "bce", kerasLoss: "binary_crossentropy", outCols: 2, trueCols: 2, fusion: "Dense"),
    ModelCase(label: "tanh->softmax + sparse_categorical_crossentropy (fused)", inShape: [4],
              layers: { [try dense(5, "tanh"), try dense(3, "softmax")] },
              ref: [.dense(units: 5, act: "tanh", bias: true, l1: 0, l2: 0), .dense(units: 3, act: "softmax", bias: true, l1: 0, l2: 0)],
              loss: "scce", kerasLoss: "sparse_categorical_crossentropy", outCols: 3, trueCols: 1, fusion: "Dense"),
    ModelCase(label: "rank-3 Dense -> Flatten -> Dense + mse (no fusion)", inShape: [3, 4],
              layers: { [try dense(5, "tanh"), Flatten(), try dense(2, "linear")] },
              ref: [.dense(units: 5, act: "tanh", bias: true, l1: 0, l2: 0), .flatten, .dense(units: 2, act: "linear", bias: true, l1: 0, l2: 0)],
              loss: "mse", kerasLoss: "mse", outCols: 2, trueCols: 2, fusion: "none"),
    ModelCase(label: "sigmoid->softmax + mse (softmax not fused for mse), no bias", inShape: [4],
              layers: { [try dense(5, "sigmoid", bias: false), try dense(3, "softmax")] },
              ref: [.dense(units: 5, act: "sigmoid", bias: false, l1: 0, l2: 0), .dense(units: 3, act: "softmax", bias: true, l1: 0, l2: 0)],
              loss: "mse", kerasLoss: "mse", outCols: 3, trueCols: 3, fusion: "none"),
    ModelCase(label: "kernel regularizer l1+l2 adds its penalty and gradient", inShape: [4],
              layers: { [try dense(5, "tanh", reg: Regularizer(l1: 0.01, l2: 0.02)), try dense(3, "softmax")] },
              ref: [.dense(units: 5, act: "tanh", bias: true, l1: 0.01, l2: 0.02), .dense(units: 3, act: "softmax", bias: true, l1: 0, l2: 0)],
              loss: "cce", kerasLoss: "categorical_crossentropy", outCols: 3, trueCols: 3, fusion: "Dense"),
    ModelCase(label: "frozen first layer keeps its weights", inShape: [4],
              layers: { let d = try dense(5, "tanh"); d.trainable = false; return [d, try dense(3, "softmax")] },
              ref: [.dense(units: 5, act: "tanh", bias: true, l1: 0, l2: 0), .dense(units: 3, act: "softmax", bias: true, l1: 0, l2: 0)],
              loss: "cce", kerasLoss: "categorical_crossentropy", outCols: 3, trueCols: 3, fusion: "Dense", frozenFirst: true),
]

struct ModelGradientTests {
    @Test(arguments: modelCases)
    func trainStepGradientMatchesFiniteDifferencesOfModelLoss(_ c: ModelCase) throws {
        let samples = 6
        let model = try Sequential(c.layers(), seed: 3)
        try model.setInput(shape: c.inShape)
        try model.compile(optimizer: json("{\"class_name\": \"SGD\", \"config\": {\"learning_rate\": 1.0}}"), loss: .string(c.kerasLoss))
        // Which layer's logits the loss reads: "Dense" (its pre-activation), "Activation" (its input) or "none".
        let plan = try #require(model.compiled).plan
        #expect((plan.lossReadsLogits ? model.layers.last!.kerasClassName : "none") == c.fusion)

        var r = TestRandom(31)
        let x = r.floats(samples * c.inShape.reduce(1, *), -1.5, 1.5)
        var y = [Float]()
        for _ in 0..<samples {
            switch c.loss {
            case "cce": let k = r.int(c.outCols); y += (0..<c.outCols).map { Float($0 == k ? 1 : 0) }
            case "scce": y.append(Float(r.int(c.outCols)))
            case "bce": y += (0..<c.outCols).map { _ in Float(r.int(2)) }
            default: y += r.floats(c.outCols, -1, 1)
            }
        }
        let before = try allWeights(model)
        let ref = ReferenceModel(kinds: c.ref, params: before.map { $0.map(Double.init) }, loss: c.loss)
        let sw = c.sampleWeights.map { $0.map(Double.init) }
        let refLoss = ref.totalLoss(x: x, inShape: c.inShape, y: y, trueCols: c.trueCols, weights: sw, params: ref.params)

        let result: [Double] = try x.withUnsafeBufferPointer { xb in
            try y.withUnsafeBufferPointer { yb in
                if let w = c.sampleWeights {
                    return try w.withUnsafeBufferPointer { try model.trainOnBatch(x: xb, y: yb, sampleWeight: $0) }
                }
                return try model.trainOnBatch(x: xb, y: yb)
            }
        }
        expectClose(result[0], refLoss, rtol: 1e-5, atol: 1e-6, "\(c.label): loss")
        let after = try allWeights(model)

        for (k, w) in before.enumerated() {
            var numeric = [Double]()
            for i in 0..<w.count {
                var p = ref.params, m = ref.params
                let h = 1e-6
                p[k][i] += h; m[k][i] -= h
                numeric.append((ref.totalLoss(x: x, inShape: c.inShape, y: y, trueCols: c.trueCols, weights: sw, params: p)
                                - ref.totalLoss(x: x, inShape: c.inShape, y: y, trueCols: c.trueCols, weights: sw, params: m)) / (2 * h))
            }
            let delta = zip(w, after[k]).map { Double($0) - Double($1) }   // SGD lr 1: w_new = w - grad
            if c.frozenFirst && k < 2 {
                #expect(w == after[k], "\(c.label): frozen weight \(k) changed")
            } else {
                expectClose(delta, numeric, rtol: 1e-4, atol: 3e-6, "\(c.label): weight \(k)")
            }
        }
    }

    /// Keras 3 adds weight penalties of trainable weights only (keras/src/layers/layer.py
    /// `_get_regularization_losses` iterates `self.trainable_weights`); tf_keras adds every layer's
    /// (base_layer.py `_handle_weight_regularization` registers the loss whatever `trainable` is).
    @Test(arguments: [3, 2])
    func frozenLayerPenaltyFollowsTheKerasGeneration(kerasMajor: Int) throws {
        let first = try dense(5, "tanh", reg: Regularizer(l2: 0.5))
        first.trainable = false
        let model = try Sequential([first, try dense(3, "softmax")], seed: 2)
        model.kerasMajor = kerasMajor
        try model.setInput(shape: [4])
        try model.compile(optimizer: json("{\"class_name\": \"SGD\", \"config\": {\"learning_rate\": 0}}"), loss: "categorical_crossentropy")
        let x: [Float] = [0.1, -0.4, 0.9, 0.3, -1.0, 0.5, 0.2, 0.7]
        let y: [Float] = [0, 1, 0, 1, 0, 0]
        let w = try allWeights(model).map { $0.map(Double.init) }
        let ref = ReferenceModel(kinds: modelCases[0].ref, params: w, loss: "cce")
        let dataLoss = ref.totalLoss(x: x, inShape: [4], y: y, trueCols: 3, weights: nil, params: w)
        let penalty = 0.5 * w[0].reduce(0) { $0 + $1 * $1 }
        let want = kerasMajor >= 3 ? dataLoss : dataLoss + penalty
        expectClose(try model.trainOnBatch(x: x, y: y)[0], want, rtol: 1e-5, atol: 1e-6, "train_on_batch loss, Keras \(kerasMajor)")
        expectClose(try model.evaluate(x: x, y: y)[0], want, rtol: 1e-5, atol: 1e-6, "evaluate loss, Keras \(kerasMajor)")
    }

    /// The same gradient through the internals directly: forward, computeLoss, backward fill `grad`.
    @Test func backwardFillsParameterGradientsWithoutTheOptimizer() throws {
        let c = modelCases[0]
        let model = try Sequential(c.layers(), seed: 9)
        try model.setInput(shape: c.inShape)
        try model.compile(optimizer: "sgd", loss: "categorical_crossentropy")
        let compiled = try #require(model.compiled)
        let x: [Float] = [0.1, -0.4, 0.9, 0.3, -1.0, 0.5, 0.2, 0.7]
        let y: [Float] = [0, 1, 0, 1, 0, 0]
        let ref = ReferenceModel(kinds: c.ref, params: try allWeights(model).map { $0.map(Double.init) }, loss: "cce")
        try x.withUnsafeBufferPointer { xb in
            try y.withUnsafeBufferPointer { yb in
                let d = try model.checkData(xb, yb, compiled, what: "test")
                let ex = model.trainingExecutor
                ex.ensureStates(layerCount: model.layers.count)
                Executor.gather(xb.baseAddress!, width: d.inWidth, indices: nil, range: 0..<2, into: ex.input, shape: c.inShape)
                Executor.gather(yb.baseAddress!, width: d.outWidth, indices: nil, range: 0..<2, into: ex.target, shape: [d.outWidth])
                model.setRowWeights(ex, weights: nil, indices: nil, range: 0..<2, rowsPerSample: 1)
                for p in compiled.trainable { p.grad.fill(0) }
                let out = ex.forward(model.layers, compiled.plan, training: true, rng: &model.rng)
                let loss = model.computeLoss(compiled, ex, out, trueColumns: 3, gradient: true)
                model.backward(compiled, ex)
                expectClose(loss, ref.totalLoss(x: x, inShape: [4], y: y, trueCols: 3, weights: nil, params: ref.params), "loss")
                for (k, p) in compiled.trainable.enumerated() {
                    var numeric = [Double]()
                    for i in 0..<p.value.count {
                        var a = ref.params, b = ref.params
                        a[k][i] += 1e-6; b[k][i] -= 1e-6
                        numeric.append((ref.totalLoss(x: x, inShape: [4], y: y, trueCols: 3, weights: nil, params: a)
                                        - ref.totalLoss(x: x, inShape: [4], y: y, trueCols: 3, weights: nil, params: b)) / 2e-6)
                    }
                    expectClose(p.grad.doubles, numeric, rtol: 1e-4, atol: 1e-6, "grad \(k)")
                }
            }
        }
    }
}
