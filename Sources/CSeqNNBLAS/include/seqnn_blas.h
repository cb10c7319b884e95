#ifndef SEQNN_BLAS_H
#define SEQNN_BLAS_H
/* SeqNN's matrix products. OpenBLAS is loaded with dlopen on first use rather than linked: Debian 12's
 * OpenBLAS 0.3.21 does not recognise newer CPUs and falls back to SSE3 kernels (~4x slower sgemm), and it
 * reads OPENBLAS_CORETYPE only while it loads. So when the caller has not chosen, SeqNN picks the kernels
 * from its backend (seqnn_cpu.h: avx512 -> SkylakeX, avx2 -> Haswell, portable forced on a bigger CPU ->
 * Prescott) for the duration of the load.
 * Without OpenBLAS the products run on a plain reference loop (correct, slow; seqnn_blas_core says so).
 * Not public API. */

/* C[m,n] = alpha op(A) op(B) + beta C, row-major (trans_a/trans_b nonzero to transpose), then (when bias is
 * not NULL) C[i, j] += bias[j] and (when relu is nonzero) C = max(C, 0) with NaN -> 0. On AVX-512 CPUs
 * this runs SeqNN's own kernels (gemm_avx512.c; split over threads by gemm_threads.c when
 * SeqNNBLAS_set_threads asked for several), which apply the bias and ReLU to each tile while it is in
 * registers; elsewhere OpenBLAS, then one plain pass. Which: the AVX-512 backend (seqnn_cpu.h) means the
 * own kernels unless SEQNN_GEMM=openblas.
 * bpacked, when not NULL, is op(B) already packed by SeqNNBLAS_pack_b (b must still be given: it is used
 * when the product runs elsewhere). SEQNN_GEMM=openblas in the environment (read once) keeps every
 * product on OpenBLAS, for comparison. */
void SeqNNBLAS_sgemm_fused(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                           const float *b, int ldb, const float *bpacked, float beta, float *c, int ldc,
                           const float *bias, int relu);
/* Packing op(B) [k, n] once for several products with it (a recurrent kernel over the time steps, a layer's
 * weights over a predict call's batches): the floats it takes, 0 when an [m, n, k] product would not pack
 * B itself (it runs on OpenBLAS, or reads B in place: then skip packing and pass NULL), and the packing. */
long SeqNNBLAS_packed_b_size(int trans_b, int m, int n, int k, int ldb);
void SeqNNBLAS_pack_b(int trans_b, int k, int n, const float *b, int ldb, float *out);
/* Whether products run on SeqNN's own AVX-512 kernels here (else OpenBLAS or the reference loop). */
int SeqNNBLAS_own_kernels(void);
void SeqNNBLAS_set_threads(int n);
int SeqNNBLAS_threads(void);
/* OpenBLAS's kernel family ("SkylakeX", "Haswell", ...), or "reference" without OpenBLAS. Static string. */
const char *SeqNNBLAS_core(void);

/* Denormal floats make every arithmetic op on them ~100x slower on x86; optimizer slots (Adam's, RMSprop's
 * second moments) decay into that range during long training. TensorFlow runs with flush-to-zero and
 * denormals-are-zero set; SeqNN sets them around its own compute calls and restores the caller's MXCSR.
 * Returns the previous control word (0 and no effect on other architectures). */
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
static inline unsigned int seqnn_ftz_begin(void) {
    unsigned int old = _mm_getcsr();
    _mm_setcsr(old | 0x8040u);   /* FTZ (bit 15) | DAZ (bit 6) */
    return old;
}
static inline void seqnn_ftz_end(unsigned int old) { _mm_setcsr(old); }
#else
static inline unsigned int seqnn_ftz_begin(void) { return 0; }
static inline void seqnn_ftz_end(unsigned int old) { (void)old; }
#endif

#endif
