// stateful=True: streaming a sequence one step per call equals the whole-sequence run; reset_states; the
// fixed batch size; predict refuses to interleave calls on a stateful model; fit carries the state; and the
// Keras fixtures' second predict (state continued) and predict after reset_states.
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SeqNN
import SeqNNTestSupport

/// A Sequential of recurrent layers made by `make(stateful)` on input (T, F), optionally with a fixed batch.
func rnnModel(_ make: (Bool) throws -> [Layer], stateful: Bool, steps: Int, features: Int, batch: Int?) throws -> Sequential {
    let m = try Sequential(try make(stateful), seed: 1)
    try m.setInput(shape: [steps, features], batchSize: batch)
    return m
}

/// Copies every weight of `from` into `to` (same architecture).
func copyWeights(_ from: Sequential, _ to: Sequential) throws {
    for (li, l) in from.layers.enumerated() {
        for wi in 0..<l.parameters.count { try to.setWeight(layer: li, index: wi, values: l.parameters[wi].value.array) }
    }
}

struct RecurrentStatefulTests {
    static let stacks: [(String, @Sendable (Bool) throws -> [Layer])] = [
        ("SimpleRNN", { s in [try SimpleRNN(units: 3, options: RecurrentOptions(returnSequences: true, stateful: s))] }),
        ("LSTM", { s in [try LSTM(units: 4, options: RecurrentOptions(returnSequences: true, stateful: s))] }),
        ("GRU", { s in [try GRU(units: 3, options: RecurrentOptions(returnSequences: true, stateful: s))] }),
        ("GRU reset_after=false", { s in [try GRU(units: 3, options: RecurrentOptions(returnSequences: true, stateful: s), resetAfter: false)] }),
        ("LSTM -> GRU -> TimeDistributed(Dense)", { s in [
            try LSTM(units: 3, options: RecurrentOptions(returnSequences: true, stateful: s)),
            try GRU(units: 2, options: RecurrentOptions(returnSequences: true, stateful: s)),
            TimeDistributed(try Dense(units: 2)),
        ] }),
    ]

    @Test func streamingOneStepPerCallEqualsTheWholeSequence() throws {
        let B = 2, T = 6, F = 3
        for (name, make) in Self.stacks {
            let whole = try rnnModel(make, stateful: false, steps: T, features: F, batch: nil)
            for l in whole.layers { randomizeWeights(l, seed: 12) }
            let stream = try rnnModel(make, stateful: true, steps: 1, features: F, batch: B)
            try copyWeights(whole, stream)
            #expect(stream.hasStatefulLayers && !whole.hasStatefulLayers)
            var r = TestRandom(3)
            let x = r.floats(B * T * F, -1.5, 1.5)
            let y = try whole.predict(x)
            let u = y.count / (B * T)
            for pass in 0..<2 {   // the second pass after reset_states gives the same stream
                for t in 0..<T {
                    var step = [Float]()
                    for b in 0..<B { step += x[((b * T + t) * F)..<((b * T + t + 1) * F)] }
                    let got = try stream.predict(step)
                    var want = [Double]()
                    for b in 0..<B { want += y[((b * T + t) * u)..<((b * T + t + 1) * u)].map(Double.init) }
                    expectClose(got.map(Double.init), want, rtol: 1e-5, atol: 1e-6, "\(name) step \(t) pass \(pass)")
                }
                try stream.resetStates()
            }
        }
    }

    @Test func twoCallsContinueLikeOneLongerSequence() throws {
        let last: (Bool) throws -> [Layer] = { s in [try LSTM(units: 3, options: RecurrentOptions(stateful: s))] }
        let whole = try rnnModel(last, stateful: false, steps: 6, features: 2, batch: nil)
        for l in whole.layers { randomizeWeights(l, seed: 4) }
        let halves = try rnnModel(last, stateful: true, steps: 3, features: 2, batch: 2)
        try copyWeights(whole, halves)
        var r = TestRandom(8)
        let x = r.floats(2 * 6 * 2, -1, 1)
        var first = [Float](), second = [Float]()
        for b in 0..<2 {
            first += x[(b * 12)..<(b * 12 + 6)]
            second += x[(b * 12 + 6)..<(b * 12 + 12)]
        }
        let a = try halves.predict(first)
        let lstm = try #require(halves.layers[0] as? LSTM)
        #expect(lstm.states.count == 2 && lstm.states[0] == a, "the kept h is the last output; c is kept too")
        // The reference cell from the kept state gives the continuation too.
        let continued = lstm.referenceForward(second, batch: 2, initialStates: lstm.states)
        let b = try halves.predict(second)
        expectClose(b.map(Double.init), try whole.predict(x).map(Double.init), rtol: 1e-5, atol: 1e-6, "continued sequence")
        expectClose(b.map(Double.init), continued.map(Double.init), rtol: 1e-5, atol: 1e-6, "reference from the kept state")
        try halves.resetStates()
        #expect(lstm.states.isEmpty)
        expectClose(try halves.predict(first).map(Double.init), a.map(Double.init), rtol: 0, atol: 0, "after reset_states")
        // predict over two batches in one call carries the state from the first batch to the second.
        try halves.resetStates()
        let both = try halves.predict(first + first)
        expectClose(Array(both[0..<6]).map(Double.init), a.map(Double.init), rtol: 0, atol: 0, "first batch")
        try halves.resetStates()
        _ = try halves.predict(first)
        expectClose(Array(both[6...]).map(Double.init), try halves.predict(first).map(Double.init), rtol: 0, atol: 0, "second batch continues")
    }

    @Test func statefulModelsNeedTheirFixedBatchSize() throws {
        let make: (Bool) throws -> [Layer] = { s in [try GRU(units: 2, options: RecurrentOptions(stateful: s))] }
        let noBatch = try rnnModel(make, stateful: true, steps: 3, features: 2, batch: nil)
        var e = expectSeqNNError(.invalidArgument) { _ = try noBatch.predict([Float](repeating: 0, count: 12)) }
        #expect(e?.message.contains("fixed batch size") == true, "\(e?.message ?? "")")
        let m = try rnnModel(make, stateful: true, steps: 3, features: 2, batch: 2)
        e = expectSeqNNError(.shapeMismatch) { _ = try m.predict([Float](repeating: 0, count: 18)) }   // 3 samples
        #expect(e?.message.contains("batches of 2") == true, "\(e?.message ?? "")")
        expectSeqNNError(.invalidArgument) { _ = try m.predict([Float](repeating: 0, count: 24), batchSize: 4) }
        #expect(try m.predict([Float](repeating: 0, count: 24)).count == 8)
        try m.compile(optimizer: "sgd", loss: "mean_squared_error")
        expectSeqNNError(.invalidArgument) { _ = try m.trainOnBatch(x: [Float](repeating: 0, count: 18), y: [Float](repeating: 0, count: 6)) }
        var o = FitOptions()
        o.verbose = 0
        o.batchSize = 3
        expectSeqNNError(.invalidArgument) { try m.fit(x: [Float](repeating: 0, count: 36), y: [Float](repeating: 0, count: 12), options: o) }
        o.batchSize = nil
        o.validationSplit = 0.5   // 3 + 3 samples: not whole batches of 2
        expectSeqNNError(.shapeMismatch) { try m.fit(x: [Float](repeating: 0, count: 36), y: [Float](repeating: 0, count: 12), options: o) }
        o.validationSplit = 0
        o.shuffle = false
        try m.fit(x: [Float](repeating: 0.5, count: 48), y: [Float](repeating: 0.1, count: 16), options: o)
        let gru = try #require(m.layers[0] as? GRU)
        #expect(gru.states.count == 1 && gru.states[0].count == 4, "fit leaves the last batch's state")
        _ = try m.evaluate(x: [Float](repeating: 0, count: 12), y: [Float](repeating: 0, count: 4))
    }

    @Test func trainingCarriesTheStateFromBatchToBatch() throws {
        let make: (Bool) throws -> [Layer] = { s in [try SimpleRNN(units: 2, options: RecurrentOptions(stateful: s)), try Dense(units: 1)] }
        let a = try rnnModel(make, stateful: true, steps: 2, features: 1, batch: 1)
        for l in a.layers { randomizeWeights(l, seed: 2) }
        let b = try rnnModel(make, stateful: true, steps: 2, features: 1, batch: 1)
        try copyWeights(a, b)
        try a.compile(optimizer: "sgd", loss: "mean_squared_error")
        try b.compile(optimizer: "sgd", loss: "mean_squared_error")
        let rnn = try #require(a.layers[0] as? SimpleRNN)
        let x1: [Float] = [0.5, -0.5], x2: [Float] = [0.25, 0.75]
        let h1 = rnn.referenceForward(x1, batch: 1)
        _ = try a.trainOnBatch(x: x1, y: [1])
        expectClose(rnn.states[0].map(Double.init), h1.map(Double.init), rtol: 1e-5, atol: 1e-6, "state after batch 1")
        let h2 = rnn.referenceForward(x2, batch: 1, initialStates: [h1])   // from h1, with the updated weights
        _ = try a.trainOnBatch(x: x2, y: [0])
        expectClose(rnn.states[0].map(Double.init), h2.map(Double.init), rtol: 1e-5, atol: 1e-6, "batch 2 starts from batch 1's state")
        // fit over the same two samples in batches of one does the same two steps.
        var o = FitOptions()
        o.verbose = 0
        o.shuffle = false
        try b.fit(x: x1 + x2, y: [1, 0], options: o)
        expectClose(try allWeights(b).flatMap { $0 }.map(Double.init), try allWeights(a).flatMap { $0 }.map(Double.init),
                    rtol: 1e-6, atol: 1e-7, "fit == two train_on_batch calls")
    }

    @Test func concurrentPredictOnAStatefulModelIsRefused() throws {
        let make: (Bool) throws -> [Layer] = { s in [try LSTM(units: 2, options: RecurrentOptions(stateful: s))] }
        let m = try rnnModel(make, stateful: true, steps: 3, features: 2, batch: 2)
        let lstm = try #require(m.layers[0] as? LSTM)
        // Another call holds the stream: predict fails with .busy instead of mixing the two callers' sequences.
        #expect(lstm.tryAcquireStream())
        let e = expectSeqNNError(.busy) { _ = try m.predict([Float](repeating: 0, count: 12)) }
        #expect(e?.message.contains("stateful") == true)
        lstm.releaseStream()
        #expect(try m.predict([Float](repeating: 0, count: 12)).count == 4)
        // Real threads: every call either runs alone or is refused; none corrupts the state.
        final class Counter: @unchecked Sendable { let lock = Lock(); var ok = 0, busy = 0, other = 0 }
        let c = Counter()
        runOnThreads(4) { _ in
            for _ in 0..<50 {
                do { _ = try m.predict([Float](repeating: 0.1, count: 12)); c.lock.withLock { c.ok += 1 } } catch let e as SeqNNError where e.kind == .busy {
                    c.lock.withLock { c.busy += 1 }
                } catch { c.lock.withLock { c.other += 1 } }
            }
        }
        #expect(c.ok > 0 && c.other == 0 && c.ok + c.busy == 200)
        // A model without stateful layers keeps concurrent predict.
        let free = try rnnModel(make, stateful: false, steps: 3, features: 2, batch: nil)
        let c2 = Counter()
        runOnThreads(4) { _ in
            for _ in 0..<20 {
                do { _ = try free.predict([Float](repeating: 0.1, count: 12)); c2.lock.withLock { c2.ok += 1 } } catch { c2.lock.withLock { c2.other += 1 } }
            }
        }
        #expect(c2.ok == 80)
    }

    @Test func withStatesResetRunsFromZerosAndKeepsTheState() throws {
        let m = try Sequential([LSTM(units: 2, options: RecurrentOptions(returnSequences: true, stateful: true)),
                                Bidirectional(GRU(units: 2, options: RecurrentOptions(stateful: true)))])
        try m.setInput(shape: [3, 2], batchSize: 1)
        let x: [Float] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
        let fresh = try m.predict(x)
        let kept = (m.layers[0] as! LSTM).states
        let second = try m.predict(x)
        try m.resetStates()
        _ = try m.predict(x)
        #expect(try m.withStatesReset { try m.predict(x) } == fresh, "from zeros")
        #expect((m.layers[0] as! LSTM).states == kept, "the state is put back")
        #expect(try m.predict(x) == second, "and continues as before")
    }

    @Test func bidirectionalStatefulLayersKeepBothDirections() throws {
        let m = try Sequential([Bidirectional(GRU(units: 2, options: RecurrentOptions(stateful: true)))])
        try m.setInput(shape: [3, 2], batchSize: 1)
        let bi = try #require(m.layers[0] as? Bidirectional)
        #expect(m.hasStatefulLayers && bi.isStateful)
        let a = try m.predict([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
        #expect(!bi.forwardLayer.states.isEmpty && !bi.backwardLayer.states.isEmpty)
        let b = try m.predict([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
        #expect(a != b, "the second call starts from the kept states")
        try m.resetStates()
        #expect(try m.predict([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]) == a)
    }

    /// Keras's own second predict (state continued over the fixture's two batches again) and its predict
    /// after reset_states, for the stateful fixtures of both generations.
    @Test func statefulFixturesContinueAndResetLikeKeras() throws {
        var checked = 0
        for f in try KerasParityTests.fixtures(kind: "model") where f.json["stateful_batch_size"] != nil {
            let m = try KerasParityTests.model(f, weightsKey: "weights")
            let x = KerasParityTests.array(f.json["x"])!.values
            for (key, reset) in [("y", false), ("y_predict_again", false), ("y_after_reset", true)] {
                if reset { try m.resetStates() }
                let want = KerasParityTests.array(f.json[key])!.values.map(Double.init)
                expectClose(try m.predict(x).map(Double.init), want, rtol: 1e-4, atol: 1e-5, "\(f.file) \(key)")
            }
            checked += 1
        }
        #expect(checked >= 6, "stateful fixtures found: \(checked)")
    }
}
