/* SeqNN's own single-threaded SGEMM for AVX-512 CPUs.
 *
 * Why not only OpenBLAS: Debian 12's OpenBLAS 0.3.21 packs both operands and goes through its thread layer
 * on every call, which costs most on the small and oddly shaped products of training (measured against its
 * SkylakeX kernels: 1.3x at 32x32x784, 1.9x for an output layer of 10 units, 1.7-3x on a convolution's
 * im2col products, 1.0-1.1x on the large ones). A GEMM of our own also lets a layer add its bias and apply
 * ReLU while the result tile is still in registers (the "epilogue"), keeps a packed weight matrix across
 * products (PackedB), and needs no library load (10.9 ms cold start instead of 17.5).
 *
 * The structure is the usual one (Goto/BLIS), written in intrinsics and transposed for row-major C:
 *   for each K block (kc <= KC):
 *     for each N block (nc <= NC):        a transposed B is packed into NR-column panels (else read in place)
 *       for each block of MC rows of A:   a long transposed A is packed into MR-row strips (else in place)
 *         for each NR-column panel of B:  kept in L1 while every A strip of the block passes
 *           for each MR-row strip of A:   the micro-kernel: an MR x NR tile of C in 28 ZMM accumulators,
 *                                         one B row (2 ZMM) and MR broadcasts of A per step of k.
 * Tails: the last A strip runs a micro-kernel specialised for its row count; the last B panel uses
 * masked loads and stores, and a half-width kernel when it has at most 16 columns.
 * The plain triple loop in blas.c stays the reference the tests compare against. */
#include "gemm_avx512.h"
#include "seqnn_cpu.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <pthread.h>
#include <stdlib.h>

/* The feature set cpu.c tests before the AVX-512 backend is chosen (blas.c calls in here only then). */
#define AVX512 SEQNN_TARGET_AVX512
#define INLINE static inline __attribute__((always_inline))

enum { MR = 14, NR = 32, KC = 256, NC = 512, MC = 14 * MR };

/* Packing buffers, one set per thread (allocated on a thread's first product, freed when it exits): a
 * packed B block and a block of packed A strips. */
enum { BUF_FLOATS = KC * NC + MC * KC };
static pthread_key_t buf_key;
static pthread_once_t buf_once = PTHREAD_ONCE_INIT;
static void make_key(void) { pthread_key_create(&buf_key, free); }

static float *thread_buffer(void) {
    pthread_once(&buf_once, make_key);
    float *buf = pthread_getspecific(buf_key);
    if (!buf) {
        if (posix_memalign((void **)&buf, 64, BUF_FLOATS * sizeof(float)) != 0) return NULL;
        if (pthread_setspecific(buf_key, buf) != 0) { free(buf); return NULL; }
    }
    return buf;
}

INLINE __mmask16 lane_mask(int count) {   /* the first `count` lanes of 16 (count may be <= 0 or > 16) */
    if (count <= 0) return 0;
    return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1);
}

/* r[0..15] := the transpose of the 16x16 block held in r (row i in r[i]). Four rounds of shuffles. */
INLINE AVX512 void transpose16(__m512 r[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int g = 0; g < 4; g++) {   /* rows 4g..4g+3: u[4g+c] holds column c (+4, +8, +12 by lane) */
        __m512d a = _mm512_castps_pd(t[4 * g]), b = _mm512_castps_pd(t[4 * g + 2]);
        __m512d c = _mm512_castps_pd(t[4 * g + 1]), d = _mm512_castps_pd(t[4 * g + 3]);
        u[4 * g + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
        u[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
        u[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(c, d));
        u[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(c, d));
    }
    for (int c = 0; c < 4; c++) {
        /* lanes: v_lo = [col c, col c+8] of rows 0-7; v_hi = [col c+4, col c+12] of rows 0-7; same for 8-15 */
        __m512 a_lo = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88), a_hi = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xdd);
        __m512 b_lo = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88), b_hi = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xdd);
        r[c] = _mm512_shuffle_f32x4(a_lo, b_lo, 0x88);
        r[c + 8] = _mm512_shuffle_f32x4(a_lo, b_lo, 0xdd);
        r[c + 4] = _mm512_shuffle_f32x4(a_hi, b_hi, 0x88);
        r[c + 12] = _mm512_shuffle_f32x4(a_hi, b_hi, 0xdd);
    }
}

/* ap[p*MR + i] = op(A)[i0+i, p0+p] for i < mr, p < kc, with A stored [k, m] (transposed): each p is a
 * contiguous run of mr floats. (An untransposed A is read in place, row by row: see tile.) */
static AVX512 void pack_a(int mr, int kc, const float *a, long lda, int i0, int p0, float *ap) {
    const __mmask16 m = lane_mask(mr);
    for (int p = 0; p < kc; p++)
        _mm512_mask_storeu_ps(ap + (long)p * MR, lane_mask(MR), _mm512_maskz_loadu_ps(m, a + (long)(p0 + p) * lda + i0));
}

/* Panel q of bp holds op(B)[p0+p, j0+q*NR+j] at bp[q*kc*NR + p*NR + j], zero beyond column nc. */
static AVX512 void pack_b(int tb, int kc, int nc, const float *b, long ldb, int p0, int j0, float *bp) {
    for (int jq = 0; jq < nc; jq += NR) {
        float *panel = bp + (long)(jq / NR) * kc * NR;
        if (!tb) {   /* B stored [k, n]: rows are contiguous */
            const __mmask16 m0 = lane_mask(nc - jq), m1 = lane_mask(nc - jq - 16);
            for (int p = 0; p < kc; p++) {
                const float *src = b + (long)(p0 + p) * ldb + j0 + jq;
                _mm512_storeu_ps(panel + p * NR, _mm512_maskz_loadu_ps(m0, src));
                _mm512_storeu_ps(panel + p * NR + 16, _mm512_maskz_loadu_ps(m1, src + 16));
            }
            continue;
        }
        for (int h = 0; h < 2; h++) {   /* B stored [n, k]: transpose 16x16 blocks */
            const int rows = nc - jq - 16 * h;
            for (int p = 0; p < kc; p += 16) {
                const __mmask16 m = lane_mask(kc - p);
                __m512 r[16];
                for (int i = 0; i < 16; i++)
                    r[i] = i < rows ? _mm512_maskz_loadu_ps(m, b + (long)(j0 + jq + 16 * h + i) * ldb + p0 + p)
                                    : _mm512_setzero_ps();
                transpose16(r);
                const int n = kc - p < 16 ? kc - p : 16;
                for (int q = 0; q < n; q++) _mm512_storeu_ps(panel + (long)(p + q) * NR + 16 * h, r[q]);
            }
        }
    }
}

/* What to do with a finished tile: C = alpha*acc + beta*C, then (last K block only) + bias, ReLU. */
typedef struct {
    float alpha, beta;
    const float *bias;   /* this tile's first column, or NULL */
    int relu;
} epilogue;

/* The micro-kernel: C[0..mr, 0..32) (columns masked by m0/m1) += A strip x B panel, then the epilogue.
 * Compile-time variants (every call site passes constants, so the accumulators stay in registers):
 *   mr      rows of the strip (1..MR)
 *   half    only the first 16 columns exist (an output layer of 10 units: half the work)
 *   masked  B is read in place with fewer than 32 columns: masked loads (packed panels are zero-padded, and
 *           unmasked loads measured ~5 % faster)
 *   arows   A is read in place, untransposed: op(A)[i, p] = ap[i*lda + p] (the 14 rows are re-read from L1
 *           for each B panel; measured faster than packing them: 32x32x784 went from 103 to 161 GFLOP/s);
 *           otherwise op(A)[i, p] = ap[p*lda + i] (a packed strip, lda == MR, or a transposed A in place). */
INLINE AVX512 void tile(const int mr, const int half, const int masked, const int arows, int kc,
                        const float *restrict ap, long lda, const float *restrict bp, long ldb, __mmask16 m0,
                        __mmask16 m1, float *c, long ldc, epilogue e) {
    __m512 lo[MR], hi[MR];
    _Pragma("clang loop unroll(full)") for (int i = 0; i < mr; i++) { lo[i] = _mm512_setzero_ps(); hi[i] = lo[i]; }
    for (int p = 0; p < kc; p++) {
        const float *brow = bp + p * ldb;
        const __m512 b0 = masked ? _mm512_maskz_loadu_ps(m0, brow) : _mm512_loadu_ps(brow);
        const __m512 b1 = half ? _mm512_setzero_ps() : masked ? _mm512_maskz_loadu_ps(m1, brow + 16) : _mm512_loadu_ps(brow + 16);
        _Pragma("clang loop unroll(full)") for (int i = 0; i < mr; i++) {
            const __m512 av = _mm512_set1_ps(arows ? ap[i * lda + p] : ap[p * lda + i]);
            lo[i] = _mm512_fmadd_ps(av, b0, lo[i]);
            if (!half) hi[i] = _mm512_fmadd_ps(av, b1, hi[i]);
        }
    }
    const __m512 alpha = _mm512_set1_ps(e.alpha), beta = _mm512_set1_ps(e.beta), zero = _mm512_setzero_ps();
    const __m512 bias0 = e.bias ? _mm512_maskz_loadu_ps(m0, e.bias) : zero;
    const __m512 bias1 = e.bias && !half ? _mm512_maskz_loadu_ps(m1, e.bias + 16) : zero;
    _Pragma("clang loop unroll(full)") for (int i = 0; i < mr; i++) {
        float *ci = c + i * ldc;
        __m512 x0 = e.alpha == 1 ? lo[i] : _mm512_mul_ps(lo[i], alpha);
        __m512 x1 = e.alpha == 1 ? hi[i] : _mm512_mul_ps(hi[i], alpha);
        if (e.beta != 0) {   /* BLAS: with beta == 0, C is not read (it may hold NaN) */
            x0 = _mm512_fmadd_ps(beta, _mm512_maskz_loadu_ps(m0, ci), x0);
            if (!half) x1 = _mm512_fmadd_ps(beta, _mm512_maskz_loadu_ps(m1, ci + 16), x1);
        }
        if (e.bias) { x0 = _mm512_add_ps(x0, bias0); x1 = _mm512_add_ps(x1, bias1); }
        if (e.relu) { x0 = _mm512_max_ps(x0, zero); x1 = _mm512_max_ps(x1, zero); }   /* NaN -> 0, as ReLU.swift */
        _mm512_mask_storeu_ps(ci, m0, x0);
        if (!half) _mm512_mask_storeu_ps(ci + 16, m1, x1);
    }
}

/* Runs the variant of `tile` for these runtime values (8 flag combinations x MR row counts). */
static AVX512 void tile_dispatch(int mr, int half, int masked, int arows, int kc, const float *ap, long lda,
                                 const float *bp, long ldb, __mmask16 m0, __mmask16 m1, float *c, long ldc,
                                 epilogue e) {
#define ROWS(h, m, r) \
    switch (mr) { \
        case 1: tile(1, h, m, r, kc, ap, lda, bp, ldb, m0, m1, c, ldc, e); break; \
        case 2: tile(2, h, m, r, kc, ap, lda, bp, ldb, m0, m1, c, ldc, e); break; \
        case 3: tile(3, h, m, r, kc, ap, lda, bp, ldb, m0, m1, c, ldc, e); break; \
        case 4: tile(4, h, m, r, kc, ap, lda, bp, ldb, m0, m1, c, ldc, e); break; \
        case 5: tile(5, h, m, r, kc, ap, lda, bp, ldb, m0, m1, c, ldc, e); break; \
        case 6: tile(6, h, m, r, kc, ap, lda, bp, ldb, m0, m1, c, ldc, e); break; \
        case 7: tile(7, h, m, r, kc, ap, lda, bp, ldb, m0, m1, c, ldc, e); break; \
        case 8: tile(8, h, m, r, kc, ap, lda, bp, ldb, m0, m1, c, ldc, e); break; \
        case 9: tile(9, h, m, r, kc, ap, lda, bp, ldb, m0, m1, c, ldc, e); break; \
        case 10: tile(10, h, m, r, kc, ap, lda, bp, ldb, m0, m1, c, ldc, e); break; \
        case 11: tile(11, h, m, r, kc, ap, lda, bp, ldb, m0, m1, c, ldc, e); break; \
        case 12: tile(12, h, m, r, kc, ap, lda, bp, ldb, m0, m1, c, ldc, e); break; \
        case 13: tile(13, h, m, r, kc, ap, lda, bp, ldb, m0, m1, c, ldc, e); break; \
        default: tile(14, h, m, r, kc, ap, lda, bp, ldb, m0, m1, c, ldc, e); break; \
    }
    switch (half * 4 + masked * 2 + arows) {
        case 0: ROWS(0, 0, 0) break;
        case 1: ROWS(0, 0, 1) break;
        case 2: ROWS(0, 1, 0) break;
        case 3: ROWS(0, 1, 1) break;
        case 4: ROWS(1, 0, 0) break;
        case 5: ROWS(1, 0, 1) break;
        case 6: ROWS(1, 1, 0) break;
        default: ROWS(1, 1, 1) break;
    }
#undef ROWS
}

/* One row of A (single-sample predict): y[0..n) = alpha x op(B) + beta y, B untransposed. Bandwidth-bound
 * (a layer's weights are streamed once, from L3 when they exceed L2), so B is read strictly in order, four
 * whole rows per pass with y held in L1: measured 68 us for W2's three layers against 80 us keeping 256
 * columns of y in registers (which reads each row in strided pieces) and ~88 us for OpenBLAS. */
static AVX512 void gemv_row(int n, int k, float alpha, const float *x, const float *b, long ldb, float beta,
                            float *y, const float *bias, int relu) {
    for (int j = 0; j < n; j += 16) {
        const __mmask16 m = lane_mask(n - j);
        const __m512 prior = beta == 0 ? _mm512_setzero_ps() : _mm512_mul_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(m, y + j));
        _mm512_mask_storeu_ps(y + j, m, prior);
    }
    int p = 0;
    for (; p + 4 <= k; p += 4) {
        const __m512 x0 = _mm512_set1_ps(alpha * x[p]), x1 = _mm512_set1_ps(alpha * x[p + 1]);
        const __m512 x2 = _mm512_set1_ps(alpha * x[p + 2]), x3 = _mm512_set1_ps(alpha * x[p + 3]);
        const float *r0 = b + (long)p * ldb, *r1 = r0 + ldb, *r2 = r1 + ldb, *r3 = r2 + ldb;
        for (int j = 0; j < n; j += 16) {
            const __mmask16 m = lane_mask(n - j);
            __m512 acc = _mm512_maskz_loadu_ps(m, y + j);
            acc = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(m, r0 + j), acc);
            acc = _mm512_fmadd_ps(x1, _mm512_maskz_loadu_ps(m, r1 + j), acc);
            acc = _mm512_fmadd_ps(x2, _mm512_maskz_loadu_ps(m, r2 + j), acc);
            acc = _mm512_fmadd_ps(x3, _mm512_maskz_loadu_ps(m, r3 + j), acc);
            _mm512_mask_storeu_ps(y + j, m, acc);
        }
    }
    for (; p < k; p++) {
        const __m512 xv = _mm512_set1_ps(alpha * x[p]);
        const float *row = b + (long)p * ldb;
        for (int j = 0; j < n; j += 16) {
            const __mmask16 m = lane_mask(n - j);
            _mm512_mask_storeu_ps(y + j, m, _mm512_fmadd_ps(xv, _mm512_maskz_loadu_ps(m, row + j), _mm512_maskz_loadu_ps(m, y + j)));
        }
    }
    if (!bias && !relu) return;
    for (int j = 0; j < n; j += 16) {
        const __mmask16 m = lane_mask(n - j);
        __m512 v = _mm512_maskz_loadu_ps(m, y + j);
        if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, bias + j));
        if (relu) v = _mm512_max_ps(v, _mm512_setzero_ps());
        _mm512_mask_storeu_ps(y + j, m, v);
    }
}

/* K is split into equal blocks of at most KC; the packed B of a whole product is its (K block, N block)
 * pieces in loop order, each kc x NR-rounded columns. */
static int k_block(int k) { const int blocks = (k + KC - 1) / KC; return (k + blocks - 1) / blocks; }
static int round_nr(int n) { return (n + NR - 1) / NR * NR; }

int SeqNNBLAS_gemm_avx512_packs_b(int tb, int m, int n, int ldb) {   /* see the driver below */
    return tb || (n > NR && (m > 64 || ldb % 1024 == 0));
}

long SeqNNBLAS_gemm_avx512_packed_size(int k, int n) {
    return (long)k * (round_nr(n % NC) + (long)(n / NC) * NC);
}

void SeqNNBLAS_gemm_avx512_pack_b(int tb, int k, int n, const float *b, int ldb, float *out) {
    const int kc_even = k_block(k);
    for (int p0 = 0; p0 < k; p0 += kc_even) {
        const int kc = k - p0 < kc_even ? k - p0 : kc_even;
        for (int j0 = 0; j0 < n; j0 += NC) {
            const int nc = n - j0 < NC ? n - j0 : NC;
            pack_b(tb, kc, nc, b, ldb, p0, j0, out);
            out += (long)kc * round_nr(nc);
        }
    }
}

int SeqNNBLAS_gemm_avx512(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                          const float *b, int ldb, const float *bpacked, float beta, float *c, int ldc,
                          const float *bias, int relu) {
    if (m == 1 && !tb && !bpacked && (!ta || lda == 1)) {
        gemv_row(n, k, alpha, a, b, ldb, beta, c, bias, relu);   /* A's one row is contiguous */
        return 1;
    }
    float *buf = thread_buffer();
    if (!buf) return 0;
    float *apack = buf + KC * NC;
    const int kc_even = k_block(k);
    /* Operands are read in place where that measured faster than packing them (the copy is saved):
     *   - an untransposed B of one panel (n <= NR), or against at most 64 rows of A (few strips to repay a
     *     copy: 32x256x1600 with A transposed went from 129 to 173 GFLOP/s, an LSTM step's 32x256x64 from
     *     122 to 146). With more rows packing wins by 1-3 % (W2, W3), and rows a multiple of 4 KB apart map
     *     a panel to 1/64 of the L2's sets and thrash (1024^3: 121 in place, 150 packed);
     *   - an untransposed A (its MR rows stay in L1 across the B panels: 32x32x784 from 103 to 168);
     *   - a transposed A of at most 64 rows or against one B panel (longer rows of A^T lost ~5 %).
     * A transposed B is packed: its 16x16 blocks are transposed into NR-wide panels. */
    const int b_in_place = !bpacked && !SeqNNBLAS_gemm_avx512_packs_b(tb, m, n, ldb);
    const int a_in_place = !ta || m <= 64 || (b_in_place && n <= NR);
    const float *next_packed = bpacked;
    for (int p0 = 0; p0 < k; p0 += kc_even) {
        const int kc = k - p0 < kc_even ? k - p0 : kc_even, last = p0 + kc >= k;
        for (int j0 = 0; j0 < n; j0 += NC) {
            const int nc = n - j0 < NC ? n - j0 : NC;
            const float *bblock = buf;   /* this block of B, packed: given, or packed now */
            if (bpacked) { bblock = next_packed; next_packed += (long)kc * round_nr(nc); }
            else if (!b_in_place) pack_b(tb, kc, nc, b, ldb, p0, j0, buf);
            for (int i0 = 0; i0 < m; i0 += MC) {
                const int mc = m - i0 < MC ? m - i0 : MC;
                for (int is = 0; is < mc && !a_in_place; is += MR)
                    pack_a(mc - is < MR ? mc - is : MR, kc, a, lda, i0 + is, p0, apack + (long)is * kc);
                for (int jq = 0; jq < nc; jq += NR) {   /* this B panel stays in L1 while every A strip passes */
                    const float *panel = b_in_place ? b + (long)p0 * ldb + j0 + jq : bblock + (long)(jq / NR) * kc * NR;
                    epilogue e = {alpha, p0 == 0 ? beta : 1, last && bias ? bias + j0 + jq : NULL, last && relu};
                    for (int is = 0; is < mc; is += MR) {
                        const int i = i0 + is;
                        const float *strip = !a_in_place ? apack + (long)is * kc
                                             : ta ? a + (long)p0 * lda + i : a + (long)i * lda + p0;
                        tile_dispatch(mc - is < MR ? mc - is : MR, nc - jq <= 16, b_in_place && nc - jq < NR, !ta, kc, strip,
                                      a_in_place ? lda : MR, panel, b_in_place ? ldb : NR, lane_mask(nc - jq),
                                      lane_mask(nc - jq - 16), c + (long)i * ldc + j0 + jq, ldc, e);
                    }
                }
            }
        }
    }
    return 1;
}

#else
int SeqNNBLAS_gemm_avx512_packs_b(int tb, int m, int n, int ldb) { (void)tb; (void)m; (void)n; (void)ldb; return 0; }
long SeqNNBLAS_gemm_avx512_packed_size(int k, int n) { (void)k; (void)n; return 0; }
void SeqNNBLAS_gemm_avx512_pack_b(int tb, int k, int n, const float *b, int ldb, float *out) {
    (void)tb; (void)k; (void)n; (void)b; (void)ldb; (void)out;
}
int SeqNNBLAS_gemm_avx512(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                          const float *b, int ldb, const float *bpacked, float beta, float *c, int ldc,
                          const float *bias, int relu) {
    (void)ta; (void)tb; (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)lda; (void)b; (void)ldb;
    (void)bpacked; (void)beta; (void)c; (void)ldc; (void)bias; (void)relu;
    return 0;
}
#endif
