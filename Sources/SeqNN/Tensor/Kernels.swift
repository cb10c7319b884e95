import CSeqNNBLAS

/// Matrix products through OpenBLAS, with a plain-loop reference for tests (ARCHITECTURE §2).
package enum Kernels {
    /// C[m,n] = alpha * op(A) * op(B) + beta * C, row-major. op(A) is [m,k], op(B) is [k,n].
    /// `transA`: A is stored [k,m]; `transB`: B is stored [n,k].
    /// With `bias` ([n]) and/or `relu`, the result is then C[i, j] += bias[j] and C = max(C, 0) (NaN -> 0, as
    /// `Activations.ReLU`), applied by the GEMM to each tile while it is still in registers (Dense's forward
    /// pass: no extra passes over the output).
    @inline(__always)
    package static func gemm(_ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
                            alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                            beta: Float = 0, c: UnsafeMutablePointer<Float>,
                            bias: UnsafePointer<Float>? = nil, relu: Bool = false, packedB: PackedB? = nil) {
        gemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: transA ? m : k, b: b, ldb: transB ? k : n,
             beta: beta, c: c, ldc: n, bias: bias, relu: relu, packedB: packedB)
    }

    /// The same with explicit row strides: rows of A, B and C are `lda`, `ldb`, `ldc` floats apart (a recurrent
    /// layer's gate blocks are column slices of its kernels).
    @inline(__always)
    package static func gemm(_ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
                            alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int,
                            bias: UnsafePointer<Float>? = nil, relu: Bool = false, packedB: PackedB? = nil) {
        if m == 0 || n == 0 { return }
        if k == 0 {   // C = beta C (+ bias, ReLU): BLAS reads no C when beta is 0
            for r in 0..<m {
                let row = c + r * ldc
                for j in 0..<n {
                    var v: Float = beta == 0 ? 0 : beta * row[j]
                    if let bias { v += bias[j] }
                    row[j] = relu ? (v > 0 ? v : 0) : v
                }
            }
            return
        }
        SeqNNBLAS_sgemm_fused(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b,
                              Int32(ldb), packedB?.pointer(transB, m: m, k: k, n: n, b: b, ldb: ldb), beta, c,
                              Int32(ldc), bias, relu ? 1 : 0)
    }

    /// Reference for `gemm`: the textbook triple loop, accumulating in Double.
    package static func gemmReference(_ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
                                     alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                     beta: Float = 0, c: UnsafeMutablePointer<Float>,
                                     bias: UnsafePointer<Float>? = nil, relu: Bool = false) {
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = transA ? a[p * m + i] : a[i * k + p]
                    let bv = transB ? b[j * k + p] : b[p * n + j]
                    s += Double(av) * Double(bv)
                }
                let prior: Float = beta == 0 ? 0 : beta * c[i * n + j]
                var v = alpha * Float(s) + prior
                if let bias { v += bias[j] }
                c[i * n + j] = relu ? (v > 0 ? v : 0) : v
            }
        }
    }

    @inline(__always)
    package static func scale(_ x: UnsafeMutablePointer<Float>, _ n: Int, _ s: Float) {
        for i in 0..<n { x[i] *= s }
    }

    /// y[r, :] += bias for every row r of an [rows, cols] matrix.
    @inline(__always)
    package static func addRowVector(_ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int, _ bias: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = y + r * cols
            for c in 0..<cols { row[c] += bias[c] }
        }
    }

    /// out[c] += sum over rows of x[r, c]  (bias gradient).
    @inline(__always)
    package static func accumulateColumnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * cols
            for c in 0..<cols { out[c] += row[c] }
        }
    }

    /// Sets OpenBLAS's thread count for this process (the library's only threading knob).
    package static func setThreads(_ n: Int) { SeqNNBLAS_set_threads(Int32(max(1, n))) }
    package static var threads: Int { Int(SeqNNBLAS_threads()) }
    /// Whether products run on SeqNN's own AVX-512 kernels (else OpenBLAS): results are then independent of
    /// the thread count, bit for bit.
    package static var ownKernels: Bool { SeqNNBLAS_own_kernels() != 0 }
    /// The instruction-set backend every kernel family runs on: "avx512", "avx2" or "portable", decided once
    /// per process from the CPU and SEQNN_BACKEND (which can only lower it; see CSeqNNBLAS's seqnn_cpu.h).
    package static var backend: String { String(cString: backendCString) }
    /// The same as a static C string.
    package static var backendCString: UnsafePointer<CChar> { SeqNNCPU_name(SeqNNCPU_backend()) }
    /// The best backend this CPU supports, whatever SEQNN_BACKEND asked for.
    package static var bestBackend: String { String(cString: SeqNNCPU_name(SeqNNCPU_best())) }
}

/// A packed copy of one GEMM operand B, made once and reused by every product with the same B until the
/// owner calls `invalidate` (a recurrent kernel over the time steps of one pass; a layer's weights over the
/// batches of one predict call). Packing per product was 10 % of an LSTM's training time.
package final class PackedB: @unchecked Sendable {
    private let buffer = Tensor(shape: [0])
    private var key: (UnsafePointer<Float>, Bool, Int, Int, Int)?

    package init() {}

    /// Forget the packed copy (B's values may have changed).
    package func invalidate() { key = nil }

    /// The packed op(B) for an [m, n, k] product, packing it on first use; nil where that product would not
    /// pack B (single rows, B read in place, no AVX-512), so nothing is packed in vain.
    func pointer(_ transB: Bool, m: Int, k: Int, n: Int, b: UnsafePointer<Float>, ldb: Int) -> UnsafePointer<Float>? {
        if let key, key.0 == b, key.1 == transB, key.2 == k, key.3 == n, key.4 == ldb { return UnsafePointer(buffer.data) }
        let size = SeqNNBLAS_packed_b_size(transB ? 1 : 0, Int32(m), Int32(n), Int32(k), Int32(ldb))
        guard size > 0 else { return nil }
        buffer.resize([size])
        SeqNNBLAS_pack_b(transB ? 1 : 0, Int32(k), Int32(n), b, Int32(ldb), buffer.data)
        key = (b, transB, k, n, ldb)
        return UnsafePointer(buffer.data)
    }
}
