// The BLAS matrix product against its plain-loop reference (ARCHITECTURE §2: every optimized kernel has one).
import Testing
@testable import SeqNN

struct GemmCase: CustomTestStringConvertible, Sendable {
    let transA: Bool, transB: Bool
    let m: Int, n: Int, k: Int
    let alpha: Float, beta: Float
    var testDescription: String { "\(transA ? "T" : "N")\(transB ? "T" : "N") \(m)x\(n)x\(k) alpha=\(alpha) beta=\(beta)" }
}

let gemmCases: [GemmCase] = {
    var out = [GemmCase]()
    for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
        // Small shapes, and shapes that cross the AVX-512 kernel's blocks (14-row strips, 32-column panels,
        // 196-row A blocks, 256-deep K blocks, 512-column B blocks) and their tails.
        for (m, n, k) in [(1, 1, 1), (7, 5, 3), (64, 33, 17), (3, 1, 9), (1, 8, 2), (15, 31, 520), (200, 70, 33),
                          (29, 513, 20), (14, 16, 257)] {
            for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (-2, 0.25)] {
                out.append(GemmCase(transA: ta, transB: tb, m: m, n: n, k: k, alpha: alpha, beta: beta))
            }
        }
    }
    return out
}()

struct KernelTests {
    @Test(arguments: gemmCases)
    func gemmMatchesReference(_ c: GemmCase) {
        var r = TestRandom(UInt64(c.m * 1000 + c.n * 10 + c.k))
        let a = r.floats(c.m * c.k, -1, 1), b = r.floats(c.k * c.n, -1, 1)
        let c0 = r.floats(c.m * c.n, -1, 1)
        var fast = c0, slow = c0
        Kernels.gemm(c.transA, c.transB, m: c.m, n: c.n, k: c.k, alpha: c.alpha, a: a, b: b, beta: c.beta, c: &fast)
        Kernels.gemmReference(c.transA, c.transB, m: c.m, n: c.n, k: c.k, alpha: c.alpha, a: a, b: b, beta: c.beta, c: &slow)
        expectClose(fast.map(Double.init), slow.map(Double.init), rtol: 1e-5, atol: 1e-5 * Double(c.k), c.testDescription)

        // And the reference itself against the definition, written out here in Double.
        for i in 0..<c.m {
            for j in 0..<c.n {
                var s = 0.0
                for p in 0..<c.k {
                    let av = c.transA ? a[p * c.m + i] : a[i * c.k + p]
                    let bv = c.transB ? b[j * c.k + p] : b[p * c.n + j]
                    s += Double(av) * Double(bv)
                }
                let want = Double(c.alpha) * s + Double(c.beta) * Double(c0[i * c.n + j])
                expectClose(Double(slow[i * c.n + j]), want, rtol: 1e-5, atol: 1e-6, "\(c.testDescription) [\(i),\(j)]")
            }
        }
    }

    @Test(arguments: [(33, 40, 300), (14, 10, 5), (1, 64, 20), (197, 513, 3)])
    func gemmWithBiasAndReLUMatchesReference(_ shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var r = TestRandom(UInt64(m * 7 + n * 3 + k))
        let a = r.floats(m * k, -1, 1), b = r.floats(k * n, -1, 1), bias = r.floats(n, -1, 1)
        for relu in [false, true] {
            var fast = [Float](repeating: .nan, count: m * n), slow = fast
            Kernels.gemm(false, false, m: m, n: n, k: k, a: a, b: b, c: &fast, bias: bias, relu: relu)
            Kernels.gemmReference(false, false, m: m, n: n, k: k, a: a, b: b, c: &slow, bias: bias, relu: relu)
            expectClose(fast.map(Double.init), slow.map(Double.init), rtol: 1e-5, atol: 1e-5 * Double(k), "\(shape) relu \(relu)")
            if relu { #expect(fast.allSatisfy { $0 >= 0 }) }
        }
    }

    // A B packed once (PackedB) gives the same products as packing per call, and repacks when B moves.
    @Test(arguments: [(false, 100, 600, 300), (true, 20, 70, 513), (false, 5, 20, 7), (false, 65, 1024, 7), (true, 64, 64, 256)])
    func packedBMatchesUnpacked(_ shape: (Bool, Int, Int, Int)) {
        let (tb, m, n, k) = shape
        var r = TestRandom(UInt64(m + n + k))
        let a = r.floats(m * k, -1, 1), b = r.floats(k * n, -1, 1), b2 = r.floats(k * n, -1, 1)
        let packed = PackedB()
        for operand in [b, b, b2] {
            var want = [Float](repeating: 0, count: m * n), got = want
            Kernels.gemmReference(false, tb, m: m, n: n, k: k, a: a, b: operand, c: &want)
            operand.withUnsafeBufferPointer { bp in
                if operand == b2 { packed.invalidate() }   // new values at (perhaps) the same address
                Kernels.gemm(false, tb, m: m, n: n, k: k, a: a, b: bp.baseAddress!, c: &got, packedB: packed)
            }
            expectClose(got.map(Double.init), want.map(Double.init), rtol: 1e-5, atol: 1e-5 * Double(k), "\(shape)")
        }
    }

    @Test func firstNonFiniteFindsTheFirstBadValueAcrossBlocks() {
        var x = [Float](repeating: 1, count: 10_000)
        x[17] = .greatestFiniteMagnitude; x[18] = -.greatestFiniteMagnitude; x[19] = .leastNonzeroMagnitude
        x.withUnsafeBufferPointer { #expect(firstNonFinite($0) == nil) }
        for (i, bad) in [(0, Float.nan), (4095, .infinity), (4096, -.infinity), (9999, -Float.nan), (5000, Float(bitPattern: 0x7fc0_1234))] {
            var y = x
            y[i] = bad
            if i != 9999 { y[9999] = .nan }   // a later bad value must not win
            y.withUnsafeBufferPointer { #expect(firstNonFinite($0) == i, "\(bad) at \(i)") }
        }
        [Float]().withUnsafeBufferPointer { #expect(firstNonFinite($0) == nil) }
    }

    @Test func betaZeroIgnoresNaNInTheOutput() {
        // BLAS semantics: with beta = 0 the prior contents of C are not read.
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [1, 0, 0, 1]
        var c: [Float] = [.nan, .nan, .nan, .nan]
        Kernels.gemm(false, false, m: 2, n: 2, k: 2, a: a, b: b, c: &c)
        #expect(c == a)
        var d: [Float] = [.nan, .nan, .nan, .nan]
        Kernels.gemmReference(false, false, m: 2, n: 2, k: 2, a: a, b: b, c: &d)
        #expect(d == a)
    }

    @Test func emptyInnerDimensionScalesC() {
        var c: [Float] = [1, 2, 3, 4]
        Kernels.gemm(false, false, m: 2, n: 2, k: 0, a: [0], b: [0], beta: 0.5, c: &c)
        #expect(c == [0.5, 1, 1.5, 2])
        Kernels.gemm(false, false, m: 2, n: 2, k: 0, a: [0], b: [0], beta: 0, c: &c)
        #expect(c == [0, 0, 0, 0])
    }

    @Test func rowVectorHelpers() {
        var y: [Float] = [1, 2, 3, 4, 5, 6]
        Kernels.addRowVector(&y, rows: 2, cols: 3, [10, 20, 30])
        #expect(y == [11, 22, 33, 14, 25, 36])
        var sums: [Float] = [1, 1, 1]
        Kernels.accumulateColumnSums(y, rows: 2, cols: 3, into: &sums)
        #expect(sums == [26, 48, 70])
    }
}

// Predict packs each Dense kernel once per call (Executor.beginInference); a later call must see weights
// changed in between, by training or by setWeight, exactly as a model that never cached anything.
struct PackedWeightsTests {
    @Test func predictSeesWeightsChangedBetweenCalls() throws {
        var r = TestRandom(11)
        let inDim = 40, samples = 300
        let x = r.floats(samples * inDim, -1, 1), y = r.floats(samples * 2, 0, 1)
        func model() throws -> Sequential {   // 96 > 64 rows per batch and 100 > 32 units: the kernel is packed
            let m = try Sequential([layer("Dense", "{\"units\": 100, \"activation\": \"relu\", \"input_dim\": \(inDim)}"),
                                    layer("Dense", "{\"units\": 2}")], seed: 3)
            try m.compile(optimizer: "adam", loss: "mse")
            return m
        }
        let cached = try model()
        _ = try cached.predict(x, batchSize: 96)            // packs the kernels of the initial weights
        _ = try cached.fit(x: x, y: y, options: quiet { $0.epochs = 1; $0.batchSize = 50 })
        let fresh = try model()                              // same seed, same training, no earlier predict
        _ = try fresh.fit(x: x, y: y, options: quiet { $0.epochs = 1; $0.batchSize = 50 })
        #expect(try cached.predict(x, batchSize: 96) == fresh.predict(x, batchSize: 96))

        let w = try cached.weight(layer: 0, index: 0).array.map { $0 * 0.5 }
        try cached.setWeight(layer: 0, index: 0, values: w)
        try fresh.setWeight(layer: 0, index: 0, values: w)
        let reference = try model()
        for i in 0..<2 { for j in 0..<2 { try reference.setWeight(layer: i, index: j, values: fresh.weight(layer: i, index: j).array) } }
        #expect(try cached.predict(x, batchSize: 96) == reference.predict(x, batchSize: 96))
    }
}

// With several threads a product is split by columns over SeqNN's pool (gemm_threads.c); every element is
// computed as with one thread, so results are bit-identical, also when two threads multiply at once.
// Only where products run on SeqNN's own kernels: the thread count is process-wide, and on OpenBLAS
// (SEQNN_GEMM=openblas, or the avx2 / portable backends) changing it changes how OpenBLAS rounds the
// products of tests running concurrently, which then fail their bit-for-bit comparisons (seen with
// PackedWeightsTests under SEQNN_BACKEND=avx2). SeqNN's own split products round as one thread does.
@Suite(.enabled(if: Kernels.ownKernels, "the thread count would disturb concurrent tests on OpenBLAS"))
struct ThreadedGemmTests {
    @Test func splitProductsEqualOneThreadBitForBit() throws {
        let shapes: [(Bool, Bool, Int, Int, Int)] = [(false, false, 1, 512, 784), (false, false, 256, 512, 300),
                                                    (true, false, 300, 200, 100), (false, true, 100, 333, 257),
                                                    (false, false, 70, 100, 2000)]
        let before = Kernels.threads
        defer { Kernels.setThreads(before) }
        for (ta, tb, m, n, k) in shapes {
            var r = TestRandom(UInt64(m * n + k))
            let a = r.floats(m * k, -1, 1), b = r.floats(k * n, -1, 1), bias = r.floats(n, -1, 1), c0 = r.floats(m * n, -1, 1)
            func run(_ threads: Int, beta: Float, relu: Bool) -> [Float] {
                Kernels.setThreads(threads)
                var c = c0
                Kernels.gemm(ta, tb, m: m, n: n, k: k, alpha: 0.5, a: a, b: b, beta: beta, c: &c, bias: bias, relu: relu)
                return c
            }
            for (beta, relu) in [(Float(0), true), (1, false)] {
                let one = run(1, beta: beta, relu: relu)
                for threads in [2, 3] {
                    let many = run(threads, beta: beta, relu: relu)
                    if Kernels.ownKernels {   // OpenBLAS (SEQNN_GEMM=openblas, no AVX-512) may sum differently
                        #expect(many == one, "\(m)x\(n)x\(k) ta \(ta) tb \(tb), \(threads) threads")
                    } else {
                        expectClose(many.map(Double.init), one.map(Double.init), rtol: 1e-5, atol: 1e-4)
                    }
                }
            }
        }
    }

    @Test func concurrentSplitProductsAreIndependent() async throws {
        let before = Kernels.threads
        defer { Kernels.setThreads(before) }
        Kernels.setThreads(2)
        let m = 64, n = 256, k = 512
        var r = TestRandom(3)
        let a = r.floats(m * k, -1, 1), b = r.floats(k * n, -1, 1)
        var want = [Float](repeating: 0, count: m * n)
        Kernels.gemmReference(false, false, m: m, n: n, k: k, a: a, b: b, c: &want)
        let results = await withTaskGroup(of: [Float].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var c = [Float](repeating: 0, count: m * n)
                    for _ in 0..<20 { Kernels.gemm(false, false, m: m, n: n, k: k, a: a, b: b, c: &c) }
                    return c
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for c in results { expectClose(c.map(Double.init), want.map(Double.init), rtol: 1e-5, atol: 1e-4) }
        if Kernels.ownKernels { #expect(Set(results.map { $0.map(\.bitPattern) }).count == 1) }
    }
}
