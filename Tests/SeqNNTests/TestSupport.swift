// Shared helpers for the SeqNN unit tests: closeness checks, deterministic test data and a
// tiny thread runner. The references these tests compare against are written out in each file.
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SeqNN

/// |a - b| <= atol + rtol * max(|a|, |b|), recorded with `what` on failure.
func expectClose(_ a: Double, _ b: Double, rtol: Double = 1e-5, atol: Double = 1e-6, _ what: @autoclosure () -> String = "",
                 sourceLocation: SourceLocation = #_sourceLocation) {
    let ok = abs(a - b) <= atol + rtol * max(abs(a), abs(b))
    #expect(ok, "\(what()): \(a) vs \(b) (diff \(abs(a - b)))", sourceLocation: sourceLocation)
}

func expectClose(_ a: [Double], _ b: [Double], rtol: Double = 1e-5, atol: Double = 1e-6, _ what: @autoclosure () -> String = "",
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.count == b.count, "\(what()): \(a.count) values vs \(b.count)", sourceLocation: sourceLocation)
    var worst = 0.0, worstAt = -1
    for i in 0..<min(a.count, b.count) {
        let excess = abs(a[i] - b[i]) - (atol + rtol * max(abs(a[i]), abs(b[i])))
        if excess > 0, excess >= worst || worstAt < 0 { worst = excess; worstAt = i }
        if a[i].isNaN != b[i].isNaN { worstAt = i; break }
    }
    if worstAt >= 0 {
        Issue.record("\(what()): index \(worstAt): \(a[worstAt]) vs \(b[worstAt]); all: \(a) vs \(b)", sourceLocation: sourceLocation)
    }
}

func expectClose(_ a: [Float], _ b: [Double], rtol: Double = 1e-5, atol: Double = 1e-6, _ what: @autoclosure () -> String = "",
                 sourceLocation: SourceLocation = #_sourceLocation) {
    expectClose(a.map(Double.init), b, rtol: rtol, atol: atol, what(), sourceLocation: sourceLocation)
}

/// Runs `body` and returns the SeqNNError it throws (recording an issue when it throws something else or nothing).
@discardableResult
func expectSeqNNError(_ kind: SeqNNError.Kind, sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: () throws -> Void) -> SeqNNError? {
    do {
        try body()
        Issue.record("expected SeqNNError .\(kind), nothing was thrown", sourceLocation: sourceLocation)
    } catch let e as SeqNNError {
        #expect(e.kind == kind, "expected .\(kind), got .\(e.kind): \(e.message)", sourceLocation: sourceLocation)
        return e
    } catch {
        Issue.record("expected SeqNNError .\(kind), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Deterministic test data, independent of the library's generator.
struct TestRandom {
    private var state: UInt64
    init(_ seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 0x1234_5678 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Double = 0, _ hi: Double = 1) -> Double {
        lo + (hi - lo) * Double(next() >> 11) * 0x1.0p-53
    }
    mutating func floats(_ n: Int, _ lo: Double, _ hi: Double) -> [Float] { (0..<n).map { _ in Float(uniform(lo, hi)) } }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func sign() -> Double { next() & 1 == 0 ? 1 : -1 }
}

extension Tensor {
    var doubles: [Double] { array.map(Double.init) }
}

/// Runs `body(i)` on `n` OS threads that all start together (a barrier), and waits for them.
func runOnThreads(_ n: Int, _ body: @escaping @Sendable (Int) -> Void) {
    final class Box: @unchecked Sendable {
        let body: @Sendable (Int) -> Void
        let index: Int
        let barrier: UnsafeMutablePointer<pthread_barrier_t>
        init(_ b: @escaping @Sendable (Int) -> Void, _ i: Int, _ bar: UnsafeMutablePointer<pthread_barrier_t>) { body = b; index = i; barrier = bar }
    }
    let barrier = UnsafeMutablePointer<pthread_barrier_t>.allocate(capacity: 1)
    pthread_barrier_init(barrier, nil, UInt32(n))
    var threads = [pthread_t]()
    for i in 0..<n {
        let box = Unmanaged.passRetained(Box(body, i, barrier)).toOpaque()
        var t = pthread_t()
        let rc = pthread_create(&t, nil, { raw in
            let b = Unmanaged<AnyObject>.fromOpaque(raw!).takeRetainedValue() as! Box
            pthread_barrier_wait(b.barrier)
            b.body(b.index)
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed")
        threads.append(t)
    }
    for t in threads { pthread_join(t, nil) }
    pthread_barrier_destroy(barrier)
    barrier.deallocate()
}

/// A model's weights, all layers, in Keras order.
func allWeights(_ m: Sequential) throws -> [[Float]] {
    var out = [[Float]]()
    for (i, l) in m.layers.enumerated() {
        for j in 0..<l.parameters.count { out.append(try m.weight(layer: i, index: j).array) }
    }
    return out
}

/// Builds a layer and records its shapes, as Sequential does.
func built<L: Layer>(_ layer: L, _ inputShape: [Int], seed: UInt64 = 1) throws -> L {
    var rng = SeededGenerator(seed: seed)
    _ = try layer.buildChecked(inputShape: inputShape, rng: &rng)
    return layer
}

func json(_ text: String) -> JSON { try! JSON.parse(text) }
