#ifndef SEQNN_GEMM_THREADS_H
#define SEQNN_GEMM_THREADS_H
/* How many column slices an [m, n, k] product is split into for `threads` threads (1: run it alone), and
 * the split product itself (gemm_threads.c): 1 when done, 0 when it did not run (one slice only, or the pool
 * is busy with another thread's product); the caller then runs it alone. AVX-512 CPUs only. */
int SeqNNBLAS_gemm_parts(int threads, int m, int n, int k);
int SeqNNBLAS_gemm_parallel(int threads, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                            const float *b, int ldb, float beta, float *c, int ldc, const float *bias, int relu);
#endif
