/* seqnn_bench - SeqNN's side of the benchmark suite (tools/bench/README.md), a C program over seqnn.h.
 *
 * Workloads (fixed seeds, synthetic data):
 *   peak   OpenBLAS sgemm at 1024^3 (the machine's peak this run, for "% of peak")
 *   W1     tutorial MLP 784-32(relu)-10(softmax), rmsprop, batch 32, fit on 60,000 samples
 *   W2     MLP 784-512(relu)-512(relu)-10(softmax), adam, batch 128, fit on 60,000 samples
 *   W3     W2's model, predict 10,000 samples at batch 256
 *   W3lat  W2's model, one sample per seqnn_model_predict call (latency), with a heap-allocation count
 *   W4     Conv2D(32,3x3,relu)-MaxPooling2D(2)-Flatten-Dense(10,softmax), adam, batch 64, 10,000 x 28x28x1
 *   W5     LSTM(64) over 50 steps x 32 features, Dense(1,sigmoid), adam, batch 32, 4,096 samples
 *   cold   a new process loads the W1 .h5 and predicts one sample; the whole process is timed
 * W4 and W5 run only when the library accepts Conv2D / LSTM (seqnn_model_add returns SEQNN_OK).
 *
 * Training: a warm-up epoch on a tenth of the data (with every batch shape of the full epoch), then one fit
 * call of `reps` epochs whose on_epoch_end callback stamps each epoch (the first timed epoch counts from the
 * fit call, so it includes fit's data check). Every result is one JSON object per line on stdout;
 * progress goes to stderr. The heap allocations made in the steady state (between the first and the last
 * timed epoch, and across single-sample predicts) are counted with a malloc interposer, as in
 * Tests/c/test_alloc.c.
 *
 * Usage: seqnn_bench [--threads N] [--reps R] [--scale F] [--only peak,W1,W2,W3,W3lat,W4,W5,cold]
 *                    [--save-w1 PATH] [--lat-calls N] [--cold-reps N] [--pin CPU] [--label NAME] [--ftz]
 *                    [--alloc-trace N]
 *        seqnn_bench --cold-child FILE.h5          (internal: the cold-start child process)
 * --pin CPU runs the process on that CPU only; --label NAME is the "framework" field of the results.
 * --ftz sets flush-to-zero and denormals-are-zero (MXCSR) on the calling thread, the thread SeqNN's fit and
 * optimizer loops run on: it shows what denormal optimizer slots cost (see README, "Profile"); libraries
 * since ba8ccee set it themselves.
 * --alloc-trace N prints the call stacks of the first N heap allocations counted in a steady state (stderr).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <sched.h>
#include <seqnn.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>   /* --ftz sets MXCSR, which exists only on x86 */
#endif

extern char **environ;

/* OpenBLAS, for the sgemm peak only: the copy SeqNN loaded (with the kernels it chose), looked up after
 * seqnn_blas_core() has loaded it. Linking OpenBLAS here would load it at process start with its own
 * kernel choice, which SeqNN then inherits: this program would not measure what an application gets. */
static void (*ob_sgemm)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
static void (*ob_set_threads)(int);
static char *(*ob_config)(void);
static char *(*ob_corename)(void);

static int load_openblas(void) {
    seqnn_blas_core();
    void *h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_NOLOAD);
    if (!h) return 0;
    ob_sgemm = (void (*)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *,
                         int))dlsym(h, "cblas_sgemm");
    ob_set_threads = (void (*)(int))dlsym(h, "openblas_set_num_threads");
    ob_config = (char *(*)(void))dlsym(h, "openblas_get_config");
    ob_corename = (char *(*)(void))dlsym(h, "openblas_get_corename");
    return ob_sgemm && ob_set_threads && ob_config && ob_corename;
}
enum { ROW_MAJOR = 101, NO_TRANS = 111 };

/* ---------------------------------------------------------------------------------------------------- */
/* Heap-allocation counter (a malloc interposer in this executable takes precedence for every library)  */
/* ---------------------------------------------------------------------------------------------------- */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static atomic_long allocations;
static atomic_int counting;
static atomic_int trace_left;          /* --alloc-trace N: print the stacks of the first N counted allocations */
static _Thread_local int in_trace;

static void trace_allocation(void) {
    if (atomic_load(&trace_left) <= 0 || in_trace) return;
    if (atomic_fetch_sub(&trace_left, 1) <= 0) return;
    in_trace = 1;
    void *frames[24];
    int n = backtrace(frames, 24);
    static const char head[] = "--- heap allocation in the steady state:\n";
    (void)!write(2, head, sizeof head - 1);
    backtrace_symbols_fd(frames + 2, n - 2, 2);
    in_trace = 0;
}

#define COUNT() do { if (atomic_load_explicit(&counting, memory_order_relaxed)) { atomic_fetch_add(&allocations, 1); trace_allocation(); } } while (0)
void *malloc(size_t n) { COUNT(); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { COUNT(); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { COUNT(); return __libc_realloc(p, n); }
void free(void *p) { __libc_free(p); }
int posix_memalign(void **out, size_t align, size_t n) {
    COUNT();
    void *p = __libc_memalign(align, n);
    if (!p) return 12;
    *out = p;
    return 0;
}
void *aligned_alloc(size_t align, size_t n) { COUNT(); return __libc_memalign(align, n); }
void *memalign(size_t align, size_t n) { COUNT(); return __libc_memalign(align, n); }

static void count_begin(void) { atomic_store(&allocations, 0); atomic_store(&counting, 1); }
static long count_end(void) { atomic_store(&counting, 0); return atomic_load(&allocations); }

/* ---------------------------------------------------------------------------------------------------- */
/* Helpers                                                                                              */
/* ---------------------------------------------------------------------------------------------------- */

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double cpu_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double rss_mib(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_maxrss / 1024.0;
}

static void die(const char *what, seqnn_model *m) {
    fprintf(stderr, "seqnn_bench: %s failed: %s\n", what, m ? seqnn_model_last_error(m) : seqnn_last_error());
    exit(1);
}
#define TRY(call, m) do { if ((call) != SEQNN_OK) die(#call, (m)); } while (0)

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static void rng_seed(uint64_t s) { rng_state = s * 0x9E3779B97F4A7C15ull + 1; }
static uint64_t rng_next(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static float rng_uniform(void) { return (float)(rng_next() >> 40) / 16777216.0f; }

static float *xmalloc_floats(size_t n) {
    float *p = malloc(n * sizeof(float));
    if (!p) { fprintf(stderr, "seqnn_bench: out of memory (%zu floats)\n", n); exit(1); }
    return p;
}

/* x: uniform [0,1); y: one-hot over `classes` (classes == 1: binary 0/1 labels). */
static void synthetic(uint64_t seed, size_t samples, size_t in, size_t classes, float **x, float **y) {
    rng_seed(seed);
    *x = xmalloc_floats(samples * in);
    for (size_t i = 0; i < samples * in; i++) (*x)[i] = rng_uniform();
    *y = xmalloc_floats(samples * classes);
    memset(*y, 0, samples * classes * sizeof(float));
    for (size_t i = 0; i < samples; i++) {
        if (classes == 1) (*y)[i] = (float)(rng_next() & 1);
        else (*y)[i * classes + rng_next() % classes] = 1;
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static double median(double *v, size_t n) {
    qsort(v, n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* One result line: {"framework":"seqnn",...,"values":[samples/s per repetition],...}. */
static const char *label = "seqnn";   /* the "framework" field (--label) */

static void emit(const char *workload, int threads, const double *rates, size_t n, double flop_per_sample,
                 double rss, const char *extra_json) {
    double sorted[256];
    size_t k = n < 256 ? n : 256;
    memcpy(sorted, rates, k * sizeof(double));
    double med = median(sorted, k);
    printf("{\"framework\": \"%s\", \"workload\": \"%s\", \"threads\": %d, \"median\": %.6g, \"min\": %.6g, "
           "\"max\": %.6g, \"reps\": %zu, \"flop_per_sample\": %.6g, \"rss_mib\": %.1f, \"values\": [",
           label, workload, threads, med, sorted[0], sorted[k - 1], k, flop_per_sample, rss);
    for (size_t i = 0; i < k; i++) printf("%s%.6g", i ? ", " : "", rates[i]);
    printf("]%s%s}\n", extra_json && *extra_json ? ", " : "", extra_json ? extra_json : "");
    fflush(stdout);
    fprintf(stderr, "  %s %-6s threads=%d  %10.0f samples/s  (min %.0f, max %.0f, %zu reps)  %.2f GFLOP/s  RSS %.0f MiB\n",
            label, workload, threads, med, sorted[0], sorted[k - 1], k, med * flop_per_sample * 1e-9, rss);
}

/* ---------------------------------------------------------------------------------------------------- */
/* The sgemm peak                                                                                       */
/* ---------------------------------------------------------------------------------------------------- */

static double sgemm_peak(int threads, int reps) {
    enum { N = 1024 };
    float *a = xmalloc_floats((size_t)N * N), *b = xmalloc_floats((size_t)N * N), *c = xmalloc_floats((size_t)N * N);
    rng_seed(7);
    for (size_t i = 0; i < (size_t)N * N; i++) { a[i] = rng_uniform() - 0.5f; b[i] = rng_uniform() - 0.5f; c[i] = 0; }
    ob_set_threads(threads);
    ob_sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, N, N, N, 1, a, N, b, N, 0, c, N); /* warm-up */
    double best = 0, rates[64];
    int n = reps < 64 ? reps : 64;
    for (int r = 0; r < n; r++) {
        double t0 = now();
        ob_sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, N, N, N, 1, a, N, b, N, 0, c, N);
        double dt = now() - t0;
        rates[r] = 2.0 * N * N * N / dt * 1e-9;
        if (rates[r] > best) best = rates[r];
    }
    double med = median(rates, (size_t)n);
    printf("{\"framework\": \"openblas\", \"workload\": \"sgemm_peak\", \"threads\": %d, \"median\": %.6g, "
           "\"max\": %.6g, \"min\": %.6g, \"reps\": %d, \"unit\": \"GFLOP/s\", \"corename\": \"%s\", \"config\": \"%s\"}\n",
           threads, med, best, rates[0], n, ob_corename(), ob_config());
    fflush(stdout);
    fprintf(stderr, "  sgemm 1024^3 threads=%d: median %.1f GFLOP/s, best %.1f (%s)\n", threads, med, best,
            ob_corename());
    free(a); free(b); free(c);
    return best;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Models                                                                                               */
/* ---------------------------------------------------------------------------------------------------- */

static seqnn_model *build_w1(void) {
    seqnn_model *m = seqnn_model_create(42);
    if (!m) die("seqnn_model_create", NULL);
    TRY(seqnn_model_add(m, "Dense", "{\"units\": 32, \"activation\": \"relu\", \"input_shape\": [784]}"), m);
    TRY(seqnn_model_add(m, "Dense", "{\"units\": 10, \"activation\": \"softmax\"}"), m);
    TRY(seqnn_model_compile(m, "rmsprop", "categorical_crossentropy", NULL), m);
    return m;
}

static seqnn_model *build_w2(void) {
    seqnn_model *m = seqnn_model_create(42);
    if (!m) die("seqnn_model_create", NULL);
    TRY(seqnn_model_add(m, "Dense", "{\"units\": 512, \"activation\": \"relu\", \"input_shape\": [784]}"), m);
    TRY(seqnn_model_add(m, "Dense", "{\"units\": 512, \"activation\": \"relu\"}"), m);
    TRY(seqnn_model_add(m, "Dense", "{\"units\": 10, \"activation\": \"softmax\"}"), m);
    TRY(seqnn_model_compile(m, "adam", "categorical_crossentropy", NULL), m);
    return m;
}

static seqnn_model *build_w4(int *ok) {
    seqnn_model *m = seqnn_model_create(42);
    *ok = m && seqnn_model_add(m, "Conv2D", "{\"filters\": 32, \"kernel_size\": [3, 3], \"activation\": \"relu\", "
                                            "\"input_shape\": [28, 28, 1]}") == SEQNN_OK
          && seqnn_model_add(m, "MaxPooling2D", "{\"pool_size\": [2, 2]}") == SEQNN_OK
          && seqnn_model_add(m, "Flatten", NULL) == SEQNN_OK
          && seqnn_model_add(m, "Dense", "{\"units\": 10, \"activation\": \"softmax\"}") == SEQNN_OK
          && seqnn_model_compile(m, "adam", "categorical_crossentropy", NULL) == SEQNN_OK;
    return m;
}

static seqnn_model *build_w5(int *ok) {
    seqnn_model *m = seqnn_model_create(42);
    *ok = m && seqnn_model_add(m, "LSTM", "{\"units\": 64, \"input_shape\": [50, 32]}") == SEQNN_OK
          && seqnn_model_add(m, "Dense", "{\"units\": 1, \"activation\": \"sigmoid\"}") == SEQNN_OK
          && seqnn_model_compile(m, "adam", "binary_crossentropy", NULL) == SEQNN_OK;
    return m;
}

/* GEMM FLOPs per training sample: forward 2*in*out per dense layer, backward the same for dW and again for
 * dX except for the first layer (its input gradient is not needed). */
static double mlp_train_flops(const int *dims, int layers) {
    double f = 0;
    for (int l = 0; l < layers; l++) {
        double io = (double)dims[l] * dims[l + 1];
        f += 2 * io + 2 * io + (l > 0 ? 2 * io : 0);
    }
    return f;
}
static double mlp_forward_flops(const int *dims, int layers) {
    double f = 0;
    for (int l = 0; l < layers; l++) f += 2.0 * dims[l] * dims[l + 1];
    return f;
}
static const int W1_DIMS[] = {784, 32, 10};
static const int W2_DIMS[] = {784, 512, 512, 10};
/* W4: conv as im2col GEMM: 26*26 positions x (3*3*1) x 32, forward + dW (no dX: first layer);
 * Dense 5408 -> 10: forward + dW + dX. */
static double w4_flops(void) {
    double conv = 2.0 * 26 * 26 * 9 * 32, dense = 2.0 * 13 * 13 * 32 * 10;
    return 2 * conv + 3 * dense;
}
/* W5: per step the input projection [32 -> 256] and the recurrent one [64 -> 256]: forward both, backward
 * dW_in, dW_rec and dh (no dx: first layer); Dense 64 -> 1 negligible but counted. */
static double w5_flops(void) {
    double in = 2.0 * 32 * 256, rec = 2.0 * 64 * 256;
    return 50 * (2 * in + 3 * rec) + 3 * 2.0 * 64;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Training: epochs timed by the epoch callback                                                         */
/* ---------------------------------------------------------------------------------------------------- */

typedef struct {
    double stamps[66], cpu[66];   /* [0]: before the timed fit call; [e + 1]: the end of epoch e */
    int epochs;
    long allocs;                  /* allocations between the end of epoch 0 and the end of the last epoch */
    int last;                     /* the index of the last epoch */
} epoch_clock;

static int on_epoch_end(void *user, int64_t epoch, const char *const *names, const double *values, size_t count) {
    (void)names; (void)values; (void)count;
    epoch_clock *c = user;
    if (epoch == c->last && c->last > 0) c->allocs = count_end();
    if (epoch < 64) { c->stamps[epoch + 1] = now(); c->cpu[epoch + 1] = cpu_now(); }
    c->epochs = (int)epoch + 1;
    if (epoch == 0 && c->last > 0) count_begin();
    return 0;
}

/* The warm-up epoch's samples: about a tenth of the data (at least 4 batches) plus the remainder, so it runs
 * every batch shape the timed epochs run (frameworks that compile per shape compile both). */
static size_t warmup_samples(size_t samples, size_t batch) {
    size_t full = samples / batch, k = full / 10 < 4 ? 4 : full / 10;
    if (k > full) k = full;
    return k * batch + samples % batch;
}

static void bench_fit(const char *name, seqnn_model *m, const float *x, size_t in, const float *y, size_t out,
                      size_t samples, int64_t batch, int reps, int threads, double flop_per_sample) {
    size_t warm = warmup_samples(samples, (size_t)batch);
    fprintf(stderr, "%s: fit %zu samples, batch %lld: a warm-up epoch of %zu samples, then %d timed epochs\n", name,
            samples, (long long)batch, warm, reps);
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.epochs = 1;
    o.batch_size = batch;
    o.shuffle = 1;
    o.verbose = 0;
    double w0 = now();
    TRY(seqnn_model_fit(m, x, warm * in, y, warm * out, &o, NULL), m);
    double warm_s = now() - w0;
    epoch_clock clock = {.last = reps - 1};
    o.epochs = reps;
    o.on_epoch_end = on_epoch_end;
    o.epoch_user_data = &clock;
    clock.stamps[0] = now();
    clock.cpu[0] = cpu_now();
    TRY(seqnn_model_fit(m, x, samples * in, y, samples * out, &o, NULL), m);
    count_end();
    double rates[64];
    int n = 0;
    for (int e = 0; e < clock.epochs && e < 64; e++) rates[n++] = (double)samples / (clock.stamps[e + 1] - clock.stamps[e]);
    size_t steps = (samples + (size_t)batch - 1) / (size_t)batch;
    double cores = (clock.cpu[n] - clock.cpu[0]) / (clock.stamps[n] - clock.stamps[0]);
    char extra[256];
    if (reps > 1)
        snprintf(extra, sizeof extra, "\"warmup_s\": %.4f, \"steady_allocs\": %ld, \"allocs_per_batch\": %.4f, "
                 "\"allocs_per_epoch\": %.1f, \"batches_per_epoch\": %zu, \"batch\": %lld, \"cpu_per_wall\": %.3f", warm_s,
                 clock.allocs, (double)clock.allocs / (double)steps / (reps - 1), (double)clock.allocs / (reps - 1), steps,
                 (long long)batch, cores);
    else
        snprintf(extra, sizeof extra, "\"warmup_s\": %.4f, \"batch\": %lld, \"cpu_per_wall\": %.3f", warm_s,
                 (long long)batch, cores);
    emit(name, threads, rates, (size_t)n, flop_per_sample, rss_mib(), extra);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Inference                                                                                            */
/* ---------------------------------------------------------------------------------------------------- */

static void bench_predict(seqnn_model *m, const float *x, size_t samples, int reps, int threads) {
    fprintf(stderr, "W3: predict %zu samples at batch 256, %d reps\n", samples, reps);
    float *out = xmalloc_floats(samples * 10);
    TRY(seqnn_model_predict(m, x, samples * 784, 256, out, samples * 10, NULL), m); /* warm-up */
    double rates[64];
    int n = reps < 64 ? reps : 64;
    double w0 = now(), c0 = cpu_now();
    count_begin();
    for (int r = 0; r < n; r++) {
        double t0 = now();
        TRY(seqnn_model_predict(m, x, samples * 784, 256, out, samples * 10, NULL), m);
        rates[r] = (double)samples / (now() - t0);
    }
    long allocs = count_end();
    char extra[160];
    snprintf(extra, sizeof extra, "\"allocs_per_call\": %.2f, \"batch\": 256, \"cpu_per_wall\": %.3f", (double)allocs / n,
             (cpu_now() - c0) / (now() - w0));
    emit("W3", threads, rates, (size_t)n, mlp_forward_flops(W2_DIMS, 3), rss_mib(), extra);
    free(out);
}

static void bench_latency(seqnn_model *m, const float *x, size_t samples, int calls, int threads) {
    fprintf(stderr, "W3lat: %d single-sample predicts\n", calls);
    float out[10];
    for (int i = 0; i < 200; i++) TRY(seqnn_model_predict(m, x + (size_t)(i % (int)samples) * 784, 784, 1, out, 10, NULL), m);
    double *us = malloc(sizeof(double) * (size_t)calls);
    count_begin();
    for (int i = 0; i < calls; i++) {
        const float *xi = x + (size_t)(i % (int)samples) * 784;
        double t0 = now();
        int rc = seqnn_model_predict(m, xi, 784, 1, out, 10, NULL);
        us[i] = (now() - t0) * 1e6;
        if (rc != SEQNN_OK) die("seqnn_model_predict", m);
    }
    long allocs = count_end();
    qsort(us, (size_t)calls, sizeof(double), cmp_double);
    double p50 = us[calls / 2], p10 = us[calls / 10], p90 = us[calls * 9 / 10], p99 = us[calls * 99 / 100];
    /* "values" are per-call rates (1/latency) at the 10th, 50th and 90th percentiles. */
    double rates[3] = {1e6 / p90, 1e6 / p50, 1e6 / p10};
    char extra[256];
    snprintf(extra, sizeof extra, "\"latency_us\": {\"p10\": %.3f, \"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f}, "
             "\"calls\": %d, \"allocs\": %ld, \"allocs_per_call\": %.4f", p10, p50, p90, p99, calls, allocs,
             (double)allocs / calls);
    emit("W3lat", threads, rates, 3, mlp_forward_flops(W2_DIMS, 3), rss_mib(), extra);
    fprintf(stderr, "  latency p10 %.1f us, p50 %.1f us, p90 %.1f us, p99 %.1f us; %ld heap allocations in %d calls\n",
            p10, p50, p90, p99, allocs, calls);
    free(us);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Cold start                                                                                           */
/* ---------------------------------------------------------------------------------------------------- */

static int cold_child(const char *path) {
    seqnn_model *m = NULL;
    if (seqnn_model_load(path, 1, &m) != SEQNN_OK) die("seqnn_model_load", NULL);
    float x[784], y[10];
    for (int i = 0; i < 784; i++) x[i] = (float)(i % 255) / 255.0f;
    TRY(seqnn_model_predict(m, x, 784, 1, y, 10, NULL), m);
    seqnn_model_free(m);
    return y[0] >= 0 && y[0] <= 1 ? 0 : 3;
}

static void bench_cold(const char *self, const char *h5, int reps, int threads) {
    fprintf(stderr, "cold: %d new processes load %s and predict one sample\n", reps, h5);
    double secs[64], rates[64], rss_max = 0;
    int n = reps < 64 ? reps : 64;
    for (int r = 0; r < n; r++) {
        char *argv[] = {(char *)self, "--cold-child", (char *)h5, NULL};
        pid_t pid;
        double t0 = now();
        if (posix_spawn(&pid, self, NULL, NULL, argv, environ) != 0) { perror("posix_spawn"); exit(1); }
        int status;
        struct rusage u;
        if (wait4(pid, &status, 0, &u) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "seqnn_bench: the cold-start child failed\n");
            exit(1);
        }
        secs[r] = now() - t0;
        rates[r] = 1.0 / secs[r];
        if (u.ru_maxrss / 1024.0 > rss_max) rss_max = u.ru_maxrss / 1024.0;
    }
    double med = median(secs, (size_t)n);
    char extra[128];
    snprintf(extra, sizeof extra, "\"seconds\": {\"median\": %.5f, \"min\": %.5f, \"max\": %.5f}", med, secs[0], secs[n - 1]);
    emit("cold", threads, rates, (size_t)n, 0, rss_max, extra);
    fprintf(stderr, "  cold start: median %.1f ms (min %.1f, max %.1f)\n", med * 1e3, secs[0] * 1e3, secs[n - 1] * 1e3);
}

/* ---------------------------------------------------------------------------------------------------- */

static int wanted(const char *only, const char *name) {
    if (!only) return 1;
    size_t len = strlen(name);
    for (const char *p = only; (p = strstr(p, name)) != NULL; p += len)
        if ((p == only || p[-1] == ',') && (p[len] == ',' || p[len] == 0)) return 1;
    return 0;
}

int main(int argc, char **argv) {
    int threads = 1, reps = 3, lat_calls = 5000, cold_reps = 5;
    double scale = 1.0;
    const char *only = NULL, *save_w1 = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--cold-child") && i + 1 < argc) return cold_child(argv[i + 1]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--scale") && i + 1 < argc) scale = atof(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
        else if (!strcmp(argv[i], "--save-w1") && i + 1 < argc) save_w1 = argv[++i];
        else if (!strcmp(argv[i], "--lat-calls") && i + 1 < argc) lat_calls = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--cold-reps") && i + 1 < argc) cold_reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--label") && i + 1 < argc) label = argv[++i];
        else if (!strcmp(argv[i], "--alloc-trace") && i + 1 < argc) {
            void *warm[2];
            backtrace(warm, 2);   /* loads libgcc's unwinder now, not inside malloc */
            atomic_store(&trace_left, atoi(argv[++i]));
        }
        else if (!strcmp(argv[i], "--ftz")) {
#if defined(__x86_64__) || defined(__i386__)
            _mm_setcsr(_mm_getcsr() | 0x8040);   /* flush-to-zero + denormals-are-zero on this (the fitting) thread */
#else
            fprintf(stderr, "seqnn_bench: --ftz is x86 only (MXCSR); ignored\n");
#endif
        }
        else if (!strcmp(argv[i], "--pin") && i + 1 < argc) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(atoi(argv[++i]), &set);
            if (sched_setaffinity(0, sizeof set, &set) != 0) { perror("sched_setaffinity"); return 2; }
        }
        else {
            fprintf(stderr, "usage: %s [--threads N] [--reps R] [--scale F] [--only peak,W1,W2,W3,W3lat,W4,W5,cold] "
                            "[--save-w1 PATH] [--lat-calls N] [--cold-reps N] [--pin CPU] [--label NAME] [--ftz] [--alloc-trace N]\n", argv[0]);
            return 2;
        }
    }
    if (threads < 1 || reps < 1 || reps > 60 || scale <= 0 || lat_calls < 10 || cold_reps < 1) {
        fprintf(stderr, "seqnn_bench: bad arguments\n");
        return 2;
    }
    if (seqnn_abi_version() != SEQNN_ABI_VERSION) {
        fprintf(stderr, "seqnn_bench: header ABI %d, library ABI %d\n", SEQNN_ABI_VERSION, seqnn_abi_version());
        return 1;
    }
    fprintf(stderr, "seqnn_bench: SeqNN %s, %d thread(s), %d reps, data scale %.3g\n", seqnn_version(), threads, reps, scale);
    /* Which path ran: the backend the library chose (SEQNN_BACKEND can only lower it), what was asked for,
     * and whether products went to OpenBLAS although the own GEMM could run (SEQNN_GEMM=openblas).
     * Looked up rather than linked, so the program still runs against a library from before seqnn_backend. */
    const char *(*backend_fn)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "seqnn_backend");
    const char *backend = backend_fn ? backend_fn() : "unknown";
    const char *asked = getenv("SEQNN_BACKEND"), *gemm = getenv("SEQNN_GEMM");
    fprintf(stderr, "seqnn_bench: backend %s (SEQNN_BACKEND=%s, SEQNN_GEMM=%s)\n", backend,
            asked ? asked : "unset", gemm ? gemm : "unset");
    printf("{\"framework\": \"%s\", \"workload\": \"info\", \"threads\": %d, \"version\": \"%s\", \"abi\": %d, "
           "\"openblas_core\": \"%s\", \"backend\": \"%s\", \"backend_requested\": \"%s\", \"gemm\": \"%s\"}\n",
           label, threads, seqnn_version(), seqnn_abi_version(), seqnn_blas_core(), backend,
           asked ? asked : "", gemm ? gemm : "");

    if (wanted(only, "peak")) {
        if (load_openblas()) sgemm_peak(threads, 10);
        else fprintf(stderr, "seqnn_bench: OpenBLAS not loaded by SeqNN: no sgemm peak\n");
    }
    TRY(seqnn_set_num_threads(threads), NULL);

    size_t n12 = (size_t)(60000 * scale), n3 = (size_t)(10000 * scale), n4 = (size_t)(10000 * scale),
           n5 = (size_t)(4096 * scale);
    if (n12 < 512) n12 = 512;
    if (n3 < 512) n3 = 512;
    if (n4 < 256) n4 = 256;
    if (n5 < 128) n5 = 128;

    float *x = NULL, *y = NULL;
    if (wanted(only, "W1") || wanted(only, "W2") || wanted(only, "W3") || wanted(only, "W3lat") || wanted(only, "cold"))
        synthetic(1, n12, 784, 10, &x, &y);

    if (wanted(only, "W1") || (wanted(only, "cold") && !save_w1)) {
        seqnn_model *m = build_w1();
        if (wanted(only, "W1"))
            bench_fit("W1", m, x, 784, y, 10, n12, 32, reps, threads, mlp_train_flops(W1_DIMS, 2));
        char tmp[256];
        const char *path = save_w1;
        if (!path) {
            snprintf(tmp, sizeof tmp, "%s/seqnn_bench_w1_%d.h5", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
            path = tmp;
        }
        TRY(seqnn_model_save(m, path, NULL), m);
        seqnn_model_free(m);
        if (wanted(only, "cold")) bench_cold(argv[0], path, cold_reps, threads);
        if (!save_w1) unlink(tmp);
    } else if (wanted(only, "cold")) {
        seqnn_model *m = build_w1();
        TRY(seqnn_model_save(m, save_w1, NULL), m);
        seqnn_model_free(m);
        bench_cold(argv[0], save_w1, cold_reps, threads);
    }
    if (wanted(only, "W2")) {
        seqnn_model *m = build_w2();
        bench_fit("W2", m, x, 784, y, 10, n12, 128, reps, threads, mlp_train_flops(W2_DIMS, 3));
        seqnn_model_free(m);
    }
    if (wanted(only, "W3") || wanted(only, "W3lat")) {
        seqnn_model *m = build_w2();
        if (wanted(only, "W3")) bench_predict(m, x, n3, reps + 2, threads);
        if (wanted(only, "W3lat")) bench_latency(m, x, n3, lat_calls, threads);
        seqnn_model_free(m);
    }
    free(x); free(y);
    x = y = NULL;

    if (wanted(only, "W4")) {
        int ok;
        seqnn_model *m = build_w4(&ok);
        if (!ok) {
            fprintf(stderr, "W4: skipped: the library does not support it (%s)\n", seqnn_last_error());
            printf("{\"framework\": \"%s\", \"workload\": \"W4\", \"threads\": %d, \"skipped\": \"Conv2D/MaxPooling2D not supported by this libseqnn\"}\n", label, threads);
        } else {
            synthetic(4, n4, 784, 10, &x, &y);
            bench_fit("W4", m, x, 784, y, 10, n4, 64, reps, threads, w4_flops());
            free(x); free(y);
        }
        seqnn_model_free(m);
    }
    if (wanted(only, "W5")) {
        int ok;
        seqnn_model *m = build_w5(&ok);
        if (!ok) {
            fprintf(stderr, "W5: skipped: the library does not support it (%s)\n", seqnn_last_error());
            printf("{\"framework\": \"%s\", \"workload\": \"W5\", \"threads\": %d, \"skipped\": \"LSTM not supported by this libseqnn\"}\n", label, threads);
        } else {
            synthetic(5, n5, 50 * 32, 1, &x, &y);
            bench_fit("W5", m, x, 50 * 32, y, 1, n5, 32, reps, threads, w5_flops());
            free(x); free(y);
        }
        seqnn_model_free(m);
    }
    fflush(stdout);
    return 0;
}
