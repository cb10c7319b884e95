// Threads (ARCHITECTURE §3): concurrent predict on one model is safe and exact; a mutation during fit is
// detected with `.busy`. Every test is arranged so the overlap is certain, not a matter of timing.
import Dispatch
import Synchronization
import Testing
@testable import SeqNN

final class Collected: Sendable {
    let outputs = Mutex<[[Float]]>([])
    let errors = Mutex<[String]>([])
}

func smallModel(seed: UInt64 = 1) throws -> Sequential {
    let m = try Sequential([Dense(units: 32, activation: Activations.ReLU()), Dropout(rate: 0.5),
                            Dense(units: 8, activation: Activations.Softmax())], seed: seed)
    try m.setInput(shape: [16])
    return m
}

struct ConcurrencyTests {
    @Test func predictFromFourThreadsAtOnceGivesIdenticalResults() throws {
        let m = try smallModel()
        var r = TestRandom(4)
        let x = r.floats(500 * 16, -1, 1)
        let reference = try m.predict(x, batchSize: 7)
        let got = Collected()
        runOnThreads(4) { t in
            for _ in 0..<10 {
                do { let p = try m.predict(x, batchSize: 7); got.outputs.withLock { $0.append(p) } } catch {
                    got.errors.withLock { $0.append("thread \(t): \(error)") }
                }
            }
        }
        #expect(got.errors.withLock { $0 } == [])
        let outs = got.outputs.withLock { $0 }
        #expect(outs.count == 40)
        #expect(outs.allSatisfy { $0 == reference }, "every concurrent result equals the single-threaded one")
    }

    @Test func mutationsFromInsideFitAreBusy() throws {
        let m = try smallModel()
        try m.compile(optimizer: "sgd", loss: "categorical_crossentropy")
        var r = TestRandom(5)
        let x = r.floats(20 * 16, -1, 1)
        let y = (0..<20).flatMap { i in (0..<8).map { Float($0 == i % 8 ? 1 : 0) } }
        var o = FitOptions(); o.verbose = 0; o.epochs = 2
        var checked = 0
        o.onEpochEnd = { _, _ in
            checked += 1
            let add = expectSeqNNError(.busy) { try m.add(Dense(units: 2)) }
            #expect(add?.message.contains("add") == true)
            expectSeqNNError(.busy) { try m.pop() }
            expectSeqNNError(.busy) { try m.compile(optimizer: "adam", loss: "mse") }
            expectSeqNNError(.busy) { try m.fit(x: x, y: y, options: FitOptions()) }
            expectSeqNNError(.busy) { _ = try m.evaluate(x: x, y: y) }
            // The fitting thread itself may read between epochs (ModelCheckpoint-style saves, predictions).
            let predicted = try m.predict(x).count, kernel = try m.weight(layer: 0, index: 0).count
            #expect(predicted == 20 * 8 && kernel == 16 * 32)
            expectSeqNNError(.busy) { try m.setWeight(layer: 0, index: 1, values: [Float](repeating: 0, count: 32)) }
            return false
        }
        try m.fit(x: x, y: y, options: o)
        #expect(checked == 2)
        #expect(m.layers.count == 3, "the refused add changed nothing")
        // Access is released afterwards, also after a failed call.
        expectSeqNNError(.shapeMismatch) { try m.fit(x: [1], y: [1], options: FitOptions()) }
        try m.add(Dense(units: 2))
        #expect(m.layers.count == 4)
    }

    @Test func addFromAnotherThreadDuringFitIsBusy() throws {
        let m = try smallModel()
        try m.compile(optimizer: "sgd", loss: "categorical_crossentropy")
        let x = [Float](repeating: 0.5, count: 8 * 16)
        let y = (0..<8).flatMap { i in (0..<8).map { Float($0 == i ? 1 : 0) } }
        let fitRunning = DispatchSemaphore(value: 0), otherDone = DispatchSemaphore(value: 0)
        let got = Collected()
        runOnThreads(2) { t in
            if t == 0 {
                var o = FitOptions(); o.verbose = 0; o.epochs = 2
                o.onEpochEnd = { e, _ in
                    if e == 0 { fitRunning.signal(); otherDone.wait() }   // hold fit open until the other thread tried
                    return false
                }
                do { try m.fit(x: x, y: y, options: o) } catch { got.errors.withLock { $0.append("fit: \(error)") } }
            } else {
                fitRunning.wait()
                do {
                    try m.add(Dense(units: 3))
                    got.errors.withLock { $0.append("add during fit succeeded") }
                } catch let e as SeqNNError {
                    if e.kind != .busy { got.errors.withLock { $0.append("add: \(e.kind) \(e.message)") } }
                } catch { got.errors.withLock { $0.append("add: \(error)") } }
                do { _ = try m.predict(x); got.errors.withLock { $0.append("predict during fit succeeded") } } catch let e as SeqNNError {
                    if e.kind != .busy { got.errors.withLock { $0.append("predict: \(e.kind)") } }
                } catch { got.errors.withLock { $0.append("predict: \(error)") } }
                otherDone.signal()
            }
        }
        #expect(got.errors.withLock { $0 } == [])
        #expect(m.layers.count == 3)
    }

    @Test func weightReadsAndEvaluateCanRunWhilePredicting() throws {
        // Shared calls do not exclude each other.
        let m = try smallModel()
        let x = [Float](repeating: 0.1, count: 64 * 16)
        let got = Collected()
        runOnThreads(3) { t in
            for _ in 0..<20 {
                do {
                    if t == 0 { _ = try m.weight(layer: 0, index: 0) } else { _ = try m.predict(x) }
                } catch { got.errors.withLock { $0.append("\(t): \(error)") } }
            }
        }
        #expect(got.errors.withLock { $0 } == [])
    }
}
