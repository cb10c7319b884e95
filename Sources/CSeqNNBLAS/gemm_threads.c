/* One product split over several threads by output columns (seqnn_set_num_threads > 1).
 *
 * Each thread runs the single-threaded AVX-512 kernel (gemm_avx512.c) on its own run of 32-column panels, so
 * every output element is computed exactly as with one thread: results do not depend on the thread count.
 * Splitting the columns also splits B, the weights, between the cores' L2 caches: that is what makes
 * single-sample latency fall with more cores (each core streams its part of the layer).
 *
 * The pool: threads - 1 workers started on the first parallel product, kept for the life of the process.
 * A worker spins briefly after each product (the next one usually follows within microseconds) and then
 * sleeps on a condition variable, so an idle model costs no CPU. One product uses the pool at a time; a
 * product on another thread meanwhile runs single-threaded. Workers compute with flush-to-zero set, as the
 * calling thread does. After fork() the child starts without workers (they are not copied). */
#include "gemm_threads.h"
#include "gemm_avx512.h"
#include "seqnn_blas.h"

#if defined(__x86_64__)
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <xmmintrin.h>

enum { NR = 32, MAX_WORKERS = 63, SPINS = 2000 };

typedef struct {
    int ta, tb, m, n, k, lda, ldb, ldc, relu, parts;
    float alpha, beta;
    const float *a, *b, *bias;
    float *c;
} job_t;

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;   /* held by the product using the pool */
static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static job_t job;
static atomic_uint generation;   /* bumped for each product; workers run it when it changes */
static atomic_int pending;       /* workers that have not finished the current product */
static int workers;              /* started (only the pool_lock holder reads or writes it) */
static unsigned first_generation[MAX_WORKERS + 1];   /* the generation each worker was started after */

/* Panels [part * panels / parts, (part + 1) * panels / parts) of C. Should the kernel find no packing buffer
 * (out of memory), the slice goes through the public entry point, which then falls back to OpenBLAS. */
static void run_part(const job_t *j, int part) {
    const int panels = (j->n + NR - 1) / NR;
    const int lo = panels * part / j->parts * NR, hi0 = panels * (part + 1) / j->parts * NR;
    const int hi = hi0 < j->n ? hi0 : j->n;
    if (lo >= hi) return;
    const float *b = j->tb ? j->b + (long)lo * j->ldb : j->b + lo, *bias = j->bias ? j->bias + lo : NULL;
    if (!SeqNNBLAS_gemm_avx512(j->ta, j->tb, j->m, hi - lo, j->k, j->alpha, j->a, j->lda, b, j->ldb, NULL, j->beta,
                               j->c + lo, j->ldc, bias, j->relu))
        SeqNNBLAS_sgemm_fused(j->ta, j->tb, j->m, hi - lo, j->k, j->alpha, j->a, j->lda, b, j->ldb, NULL, j->beta,
                              j->c + lo, j->ldc, bias, j->relu);
}

static void *worker(void *arg) {
    const int part = (int)(intptr_t)arg;
    _mm_setcsr(_mm_getcsr() | 0x8040u);   /* flush-to-zero, denormals-are-zero (see seqnn_blas.h) */
    unsigned seen = first_generation[part];   /* not a fresh load: the first product may already be posted */
    for (;;) {
        unsigned g;
        for (int spin = 0; (g = atomic_load(&generation)) == seen && spin < SPINS; spin++) _mm_pause();
        if (g == seen) {
            pthread_mutex_lock(&wake_lock);
            while ((g = atomic_load(&generation)) == seen) pthread_cond_wait(&wake, &wake_lock);
            pthread_mutex_unlock(&wake_lock);
        }
        seen = g;
        if (part < job.parts) run_part(&job, part);
        atomic_fetch_sub(&pending, 1);
    }
    return NULL;
}

static void after_fork_in_child(void) {
    workers = 0;
    pthread_mutex_init(&pool_lock, NULL);
    pthread_mutex_init(&wake_lock, NULL);
    pthread_cond_init(&wake, NULL);
}
static void register_atfork(void) { pthread_atfork(NULL, NULL, after_fork_in_child); }

/* Starts workers up to `wanted` (fewer if thread creation fails). Called with pool_lock held. */
static void start_workers(int wanted) {
    pthread_once(&atfork_once, register_atfork);
    if (wanted > MAX_WORKERS) wanted = MAX_WORKERS;
    while (workers < wanted) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        first_generation[workers + 1] = atomic_load(&generation);
        const int ok = pthread_create(&t, &attr, worker, (void *)(intptr_t)(workers + 1)) == 0;
        pthread_attr_destroy(&attr);
        if (!ok) break;
        workers++;
    }
}

int SeqNNBLAS_gemm_parts(int threads, int m, int n, int k) {
    /* A single row streams the weights (bandwidth-bound): splitting pays from ~100 us of reading. Products
     * with more rows split from ~1M multiply-adds (~30 us): an LSTM step's 32x256x64 ran slower split. */
    if (threads < 2 || (double)m * n * k < (m == 1 ? 131072.0 : 1048576.0)) return 1;
    const int panels = (n + NR - 1) / NR;
    return panels < threads ? panels : threads;
}

int SeqNNBLAS_gemm_parallel(int threads, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                            const float *b, int ldb, float beta, float *c, int ldc, const float *bias, int relu) {
    int parts = SeqNNBLAS_gemm_parts(threads, m, n, k);
    if (parts < 2 || pthread_mutex_trylock(&pool_lock) != 0) return 0;
    start_workers(parts - 1);
    if (workers + 1 < parts) parts = workers + 1;
    if (parts < 2) { pthread_mutex_unlock(&pool_lock); return 0; }
    job = (job_t){ta, tb, m, n, k, lda, ldb, ldc, relu, parts, alpha, beta, a, b, bias, c};
    atomic_store(&pending, workers);   /* every worker answers; those beyond `parts` have nothing to do */
    pthread_mutex_lock(&wake_lock);
    atomic_fetch_add(&generation, 1);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&wake_lock);
    run_part(&job, 0);
    while (atomic_load(&pending) > 0) _mm_pause();
    pthread_mutex_unlock(&pool_lock);
    return 1;
}

#else
int SeqNNBLAS_gemm_parts(int threads, int m, int n, int k) { (void)threads; (void)m; (void)n; (void)k; return 1; }
int SeqNNBLAS_gemm_parallel(int threads, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                            const float *b, int ldb, float beta, float *c, int ldc, const float *bias, int relu) {
    (void)threads; (void)ta; (void)tb; (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)lda; (void)b;
    (void)ldb; (void)beta; (void)c; (void)ldc; (void)bias; (void)relu;
    return 0;
}
#endif
