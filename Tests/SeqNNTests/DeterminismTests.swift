// Determinism (one seeded generator per model: same seed + same data -> bit-identical weights) and a
// sanity check that training learns.
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SeqNN

/// Three Gaussian-ish blobs in 2-D, kept only where the nearest centre is the label: linearly separable.
func blobs(_ n: Int, seed: UInt64) -> (x: [Float], labels: [Float]) {
    let centres: [(Double, Double)] = [(2, 0), (-1, 1.7), (-1, -1.7)]
    var r = TestRandom(seed)
    var x = [Float](), y = [Float]()
    while y.count < n {
        let k = r.int(3)
        let px = centres[k].0 + r.uniform(-1.2, 1.2), py = centres[k].1 + r.uniform(-1.2, 1.2)
        let d = centres.map { ($0.0 - px) * ($0.0 - px) + ($0.1 - py) * ($0.1 - py) }
        guard d.firstIndex(of: d.min()!) == k else { continue }
        x += [Float(px), Float(py)]
        y.append(Float(k))
    }
    return (x, y)
}

struct DeterminismTests {
    func train(seed: UInt64, data: (x: [Float], labels: [Float])) throws -> (weights: [[Float]], history: [[Double]]) {
        let m = try Sequential([Dense(units: 16, activation: Activations.ReLU()), Dropout(rate: 0.3),
                                Dense(units: 3, activation: Activations.Softmax())], seed: seed)
        try m.setInput(shape: [2])
        try m.compile(optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"])
        var o = FitOptions()
        o.verbose = 0; o.epochs = 3; o.batchSize = 8; o.shuffle = true; o.validationSplit = 0.2
        let h = try m.fit(x: data.x, y: data.labels, options: o)
        return (try allWeights(m), h.values)
    }

    @Test func sameSeedGivesBitIdenticalWeightsAfterFit() throws {
        let data = blobs(60, seed: 1)
        let a = try train(seed: 42, data: data), b = try train(seed: 42, data: data)
        #expect(a.weights == b.weights)
        #expect(a.history == b.history)
    }

    @Test func differentSeedsGiveDifferentWeights() throws {
        let data = blobs(60, seed: 1)
        let a = try train(seed: 42, data: data), b = try train(seed: 43, data: data)
        #expect(a.weights != b.weights)
    }

    @Test func shuffleAndDropoutDrawFromTheModelGenerator() throws {
        // Same initial weights (copied), different model seeds: shuffling and dropout masks differ,
        // so the trained weights differ; with shuffle off and no dropout they agree.
        func run(seed: UInt64, dropout: Bool, shuffle: Bool, initial: [[Float]]?) throws -> [[Float]] {
            var layers: [Layer] = [try Dense(units: 8, activation: Activations.Tanh())]
            if dropout { layers.append(try Dropout(rate: 0.5)) }
            layers.append(try Dense(units: 1))
            let m = try Sequential(layers, seed: seed)
            try m.setInput(shape: [2])
            if let initial {
                var k = 0
                for (i, l) in m.layers.enumerated() {
                    for j in 0..<l.parameters.count { try m.setWeight(layer: i, index: j, values: initial[k]); k += 1 }
                }
            }
            try m.compile(optimizer: "sgd", loss: "mse")
            var o = FitOptions(); o.verbose = 0; o.epochs = 2; o.batchSize = 4; o.shuffle = shuffle
            let d = blobs(16, seed: 3)
            try m.fit(x: d.x, y: d.labels, options: o)
            return try allWeights(m)
        }
        let start = try allWeights({ let m = try Sequential([Dense(units: 8), Dense(units: 1)], seed: 9); try m.setInput(shape: [2]); return m }())
        #expect(try run(seed: 1, dropout: false, shuffle: false, initial: start) == run(seed: 2, dropout: false, shuffle: false, initial: start))
        #expect(try run(seed: 1, dropout: false, shuffle: true, initial: start) != run(seed: 2, dropout: false, shuffle: true, initial: start))
        #expect(try run(seed: 1, dropout: true, shuffle: false, initial: start) != run(seed: 2, dropout: true, shuffle: false, initial: start))
    }

    /// The generator continues across fit calls and each epoch draws a fresh permutation, so two
    /// one-epoch fits equal one two-epoch fit (what resuming a saved model relies on).
    @Test func twoOneEpochFitsEqualOneTwoEpochFit() throws {
        let data = blobs(40, seed: 6)
        func model() throws -> Sequential {
            let m = try Sequential([Dense(units: 8, activation: Activations.ReLU()), Dropout(rate: 0.25),
                                    Dense(units: 3, activation: Activations.Softmax())], seed: 21)
            try m.setInput(shape: [2])
            try m.compile(optimizer: "nadam", loss: "sparse_categorical_crossentropy")
            return m
        }
        var o = FitOptions(); o.verbose = 0; o.batchSize = 6
        let a = try model(), b = try model()
        o.epochs = 2
        try a.fit(x: data.x, y: data.labels, options: o)
        o.epochs = 1
        try b.fit(x: data.x, y: data.labels, options: o)
        try b.fit(x: data.x, y: data.labels, options: o)
        #expect(try allWeights(a) == allWeights(b))
        #expect(a.optimizer?.iterations == b.optimizer?.iterations && a.optimizer?.iterations == 14)
    }

    @Test func generatorIsReproducibleAndUniform() {
        var a = SeededGenerator(seed: 7), b = SeededGenerator(seed: 7), c = SeededGenerator(seed: 8)
        let sa = (0..<100).map { _ in a.next() }, sb = (0..<100).map { _ in b.next() }, sc = (0..<100).map { _ in c.next() }
        #expect(sa == sb && sa != sc)
        var g = SeededGenerator(seed: 1)
        let u = (0..<100_000).map { _ in g.uniform() }
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        expectClose(u.reduce(0, +) / 1e5, 0.5, rtol: 0, atol: 0.005, "uniform mean")
        let nrm = (0..<100_000).map { _ in g.normal() }
        let mean = nrm.reduce(0, +) / 1e5
        expectClose(mean, 0, rtol: 0, atol: 0.02, "normal mean")
        expectClose(nrm.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 1e5, 1, rtol: 0.03, atol: 0, "normal variance")
        var idx = Array(0..<50)
        g.shuffle(&idx)
        #expect(idx.sorted() == Array(0..<50) && idx != Array(0..<50))
    }

    @Test func anMLPLearnsASeparableProblem() throws {
        let train = blobs(300, seed: 11), test = blobs(200, seed: 12)
        let m = try Sequential([Dense(units: 16, activation: Activations.ReLU()), Dense(units: 3, activation: Activations.Softmax())], seed: 5)
        try m.setInput(shape: [2])
        try m.compile(optimizer: json("{\"class_name\": \"Adam\", \"config\": {\"learning_rate\": 0.01}}"),
                      loss: "sparse_categorical_crossentropy", metrics: ["accuracy"])
        var o = FitOptions(); o.verbose = 0; o.epochs = 30; o.batchSize = 16
        let h = try m.fit(x: train.x, y: train.labels, options: o)
        let acc = try #require(h["accuracy"])
        #expect(acc.last! > 0.95, "training accuracy \(acc)")
        #expect(h["loss"]!.last! < h["loss"]![0], "loss went down: \(h["loss"]!)")
        let ev = try m.evaluate(x: test.x, y: test.labels)
        #expect(ev[1] > 0.95, "held-out accuracy \(ev[1])")
    }

    @Test func anMLPLearnsANonLinearBoundary() throws {
        // Inside radius 1 vs a ring between 1.5 and 2.2: needs the hidden layer.
        var r = TestRandom(77)
        var x = [Float](), y = [Float]()
        for i in 0..<240 {
            let inner = i % 2 == 0
            let rad = inner ? r.uniform(0, 1) : r.uniform(1.5, 2.2), ang = r.uniform(0, 2 * Double.pi)
            x += [Float(rad * cos(ang)), Float(rad * sin(ang))]
            y.append(inner ? 1 : 0)
        }
        let m = try Sequential([Dense(units: 16, activation: Activations.Tanh()), Dense(units: 1, activation: Activations.Sigmoid())], seed: 3)
        try m.setInput(shape: [2])
        try m.compile(optimizer: json("{\"class_name\": \"Adam\", \"config\": {\"learning_rate\": 0.03}}"),
                      loss: "binary_crossentropy", metrics: ["accuracy"])
        var o = FitOptions(); o.verbose = 0; o.epochs = 60; o.batchSize = 16
        let h = try m.fit(x: x, y: y, options: o)
        #expect(h["accuracy"]!.last! > 0.95, "accuracy \(h["accuracy"]!.suffix(5))")
    }
}
