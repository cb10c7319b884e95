#ifndef SEQNN_GEMM_AVX512_H
#define SEQNN_GEMM_AVX512_H
/* C[m,n] = alpha op(A) op(B) + beta C (+ bias[n] per row, then ReLU if relu), row-major, on one thread with
 * AVX-512 kernels. The caller checks the CPU. Returns 0 when it could not run (no packing buffer, or not
 * an x86-64 build); nothing has been written then. */
int SeqNNBLAS_gemm_avx512(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                          const float *b, int ldb, float beta, float *c, int ldc, const float *bias, int relu);
#endif
