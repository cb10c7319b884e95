#ifndef SEQNN_GEMM_AVX512_H
#define SEQNN_GEMM_AVX512_H
/* C[m,n] = alpha op(A) op(B) + beta C (+ bias[n] per row, then ReLU if relu), row-major, on one thread with
 * AVX-512 kernels. The caller checks the CPU. B comes as b (ldb), or already packed (bpacked, from
 * SeqNNBLAS_gemm_avx512_pack_b of the same op(B)). Returns 0 when it could not run (no packing buffer, or
 * not an x86-64 build); nothing has been written then. */
int SeqNNBLAS_gemm_avx512(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                          const float *b, int ldb, const float *bpacked, float beta, float *c, int ldc,
                          const float *bias, int relu);
/* Whether a product packs B itself (else it reads B in place), the floats a packed op(B) [k, n] takes
 * (0 on other architectures), and the packing. */
int SeqNNBLAS_gemm_avx512_packs_b(int tb, int m, int n, int ldb);
long SeqNNBLAS_gemm_avx512_packed_size(int k, int n);
void SeqNNBLAS_gemm_avx512_pack_b(int tb, int k, int n, const float *b, int ldb, float *out);
#endif
