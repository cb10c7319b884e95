#include "seqnn_blas.h"
#include "gemm_avx512.h"
#include "gemm_threads.h"
#include "seqnn_cpu.h"
#include <dlfcn.h>
#include <string.h>
#include <pthread.h>
#include <stdlib.h>

/* OpenBLAS's entry points, looked up once. The CBLAS enum values are the standard ones. */
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                         float *, int);
static sgemm_fn p_sgemm;
static void (*p_set_threads)(int);
static int (*p_get_threads)(void);
static char *(*p_corename)(void);
static pthread_once_t detected = PTHREAD_ONCE_INIT, loaded = PTHREAD_ONCE_INIT;
static int own_kernels;        /* SeqNN's AVX-512 GEMM can run here */
static int blas_threads = 1;   /* threads for products (OpenBLAS's, once loaded) */

static int threads_from_environment(void) {
    return getenv("OPENBLAS_NUM_THREADS") || getenv("GOTO_NUM_THREADS") || getenv("OMP_NUM_THREADS");
}

static void load(void);

/* Where products run, from the one backend value (seqnn_cpu.h): SeqNN's own GEMM on the AVX-512 backend
 * unless SEQNN_GEMM=openblas, else OpenBLAS, else the plain loop. OpenBLAS itself is loaded only when a
 * product needs it (not the own GEMM, several threads, SEQNN_GEMM=openblas) or when asked about: loading it
 * and its Fortran runtime into a process that already holds HDF5's dozens of libraries took ~4 ms of a
 * 17 ms cold start (load + one predict). */
static void detect(void) {
    own_kernels = SeqNNCPU_backend() == SEQNN_BACKEND_AVX512 && !SeqNNCPU_gemm_openblas();
    if (!own_kernels || threads_from_environment()) pthread_once(&loaded, load);   /* OpenBLAS's count applies */
}

/* OpenBLAS's kernel family for the backend, so a forced backend also keeps OpenBLAS within its instruction
 * sets (and Debian's 0.3.21, which does not recognise newer CPUs, would pick SSE3 kernels itself). NULL:
 * OpenBLAS chooses, for a portable backend the CPU decided (it may still have AVX, which OpenBLAS uses). */
static const char *openblas_core(void) {
#if defined(__x86_64__)
    switch (SeqNNCPU_backend()) {
    case SEQNN_BACKEND_AVX512: return "SkylakeX";
    case SEQNN_BACKEND_AVX2: return "Haswell";
    default: return SeqNNCPU_best() > SEQNN_BACKEND_PORTABLE ? "Prescott" : NULL;   /* forced: SSE3 only */
    }
#else
    return NULL;
#endif
}

static void load(void) {
    const char *chosen = NULL;
    if (!getenv("OPENBLAS_CORETYPE")) {
        chosen = openblas_core();
        if (chosen) setenv("OPENBLAS_CORETYPE", chosen, 0);
    }
    /* One thread unless the caller chose (seqnn_set_num_threads raises it later): OpenBLAS otherwise starts a
     * worker per core at load, which then spins in sched_yield (measured: 5 % of a second core through a
     * whole single-threaded training run), and threaded calls allocate on every product. */
    const int single = !threads_from_environment();
    if (single) setenv("OPENBLAS_NUM_THREADS", "1", 0);
    void *h = dlopen("libopenblas.so.0", RTLD_LAZY | RTLD_LOCAL);
    if (!h) h = dlopen("libopenblas.so", RTLD_LAZY | RTLD_LOCAL);
    if (chosen) unsetenv("OPENBLAS_CORETYPE");   /* only OpenBLAS's load reads these: leave the host as it was */
    if (single) unsetenv("OPENBLAS_NUM_THREADS");
    if (!h) return;
    p_sgemm = (sgemm_fn)dlsym(h, "cblas_sgemm");
    p_set_threads = (void (*)(int))dlsym(h, "openblas_set_num_threads");
    p_get_threads = (int (*)(void))dlsym(h, "openblas_get_num_threads");
    p_corename = (char *(*)(void))dlsym(h, "openblas_get_corename");
    if (!p_set_threads || !p_get_threads) return;
    if (single) p_set_threads(blas_threads);   /* a count set before OpenBLAS was needed */
    blas_threads = p_get_threads();
}

/* The plain triple loop, for machines without OpenBLAS. */
static void reference(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
                      int ldb, float beta, float *c, int ldc) {
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            float s = 0;
            for (int p = 0; p < k; p++) s += (ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
            c[i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * ldc + j]);
        }
    }
}

static void blas_sgemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
                       int ldb, float beta, float *c, int ldc) {
    pthread_once(&loaded, load);
    if (p_sgemm) p_sgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, m, n, k, alpha, a, lda, b, ldb,
                         beta, c, ldc);
    else reference(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}


void SeqNNBLAS_sgemm_fused(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                           const float *b, int ldb, const float *bpacked, float beta, float *c, int ldc,
                           const float *bias, int relu) {
    pthread_once(&detected, detect);
    if (own_kernels) {   /* several threads: column slices on SeqNN's pool (gemm_threads.c) */
        if (SeqNNBLAS_gemm_parts(blas_threads, m, n, k) > 1 &&
            SeqNNBLAS_gemm_parallel(blas_threads, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, relu))
            return;
        if (SeqNNBLAS_gemm_avx512(ta, tb, m, n, k, alpha, a, lda, b, ldb, bpacked, beta, c, ldc, bias, relu)) return;
    }
    blas_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    if (!bias && !relu) return;
    for (int i = 0; i < m; i++) {
        float *row = c + (long)i * ldc;
        if (bias) for (int j = 0; j < n; j++) row[j] += bias[j];
        if (relu) for (int j = 0; j < n; j++) row[j] = row[j] > 0 ? row[j] : 0;
    }
}

long SeqNNBLAS_packed_b_size(int tb, int m, int n, int k, int ldb) {
    pthread_once(&detected, detect);
    if (!own_kernels || SeqNNBLAS_gemm_parts(blas_threads, m, n, k) > 1 || !SeqNNBLAS_gemm_avx512_packs_b(tb, m, n, ldb))
        return 0;   /* split products pack their own slices */
    return SeqNNBLAS_gemm_avx512_packed_size(k, n);
}

void SeqNNBLAS_pack_b(int tb, int k, int n, const float *b, int ldb, float *out) {
    pthread_once(&detected, detect);
    if (own_kernels) SeqNNBLAS_gemm_avx512_pack_b(tb, k, n, b, ldb, out);
}

void SeqNNBLAS_set_threads(int n) {
    pthread_once(&detected, detect);
    if (own_kernels) {   /* SeqNN's pool splits the products; OpenBLAS, if loaded, follows along */
        blas_threads = n;
        if (p_set_threads) p_set_threads(n);
        return;
    }
    if (n > 1 || p_set_threads) pthread_once(&loaded, load);   /* one thread needs no OpenBLAS */
    if (p_set_threads) { p_set_threads(n); blas_threads = p_get_threads(); }
    else blas_threads = 1;
}

int SeqNNBLAS_own_kernels(void) {
    pthread_once(&detected, detect);
    return own_kernels;
}

int SeqNNBLAS_threads(void) {
    pthread_once(&detected, detect);
    return blas_threads;
}

const char *SeqNNBLAS_core(void) {
    pthread_once(&detected, detect);
    pthread_once(&loaded, load);
    return p_corename ? p_corename() : "reference";
}
