import CSeqNNBLAS

/// Runs `body` with flush-to-zero and denormals-are-zero on the calling thread, restoring the caller's
/// floating-point control word afterwards. Optimizer slots and small gradients decay into denormals in long
/// runs, where x86 arithmetic slows down by two orders of magnitude (measured: the tutorial MLP trained
/// ~10x slower on this machine kind without it). TensorFlow runs flushed too, and no value that matters
/// for a result is denormal (< 1.2e-38), so parity is unaffected.
@inline(__always)
func withFlushedDenormals<T>(_ body: () throws -> T) rethrows -> T {
    let saved = seqnn_ftz_begin()
    defer { seqnn_ftz_end(saved) }
    return try body()
}

extension Kernels {
    /// OpenBLAS's kernel family, e.g. "Haswell" or "SkylakeX"; "Prescott" on an AVX2 machine means OpenBLAS
    /// did not recognize the CPU and fell back to SSE3 kernels (set OPENBLAS_CORETYPE, see README).
    package static var blasCore: String { String(cString: SeqNNBLAS_core()) }
    /// The same as OpenBLAS's static C string.
    package static var blasCoreCString: UnsafePointer<CChar> { UnsafePointer(SeqNNBLAS_core()) }
}
