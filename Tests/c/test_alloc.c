/* Counts heap allocations made inside libseqnn during steady-state training and inference, with a
 * malloc interposer in this executable (it takes precedence over libc's for every shared library).
 * ARCHITECTURE §2: the steady state of fit and predict allocates nothing per batch. The check compares runs
 * that differ only in their number of batches: any per-batch allocation shows up as a difference. */
#define _GNU_SOURCE
#include <seqnn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static atomic_long allocations;
static atomic_int counting;

void *malloc(size_t n) { if (atomic_load(&counting)) atomic_fetch_add(&allocations, 1); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { if (atomic_load(&counting)) atomic_fetch_add(&allocations, 1); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { if (atomic_load(&counting)) atomic_fetch_add(&allocations, 1); return __libc_realloc(p, n); }
void free(void *p) { __libc_free(p); }
int posix_memalign(void **out, size_t align, size_t n) {
    if (atomic_load(&counting)) atomic_fetch_add(&allocations, 1);
    void *p = __libc_memalign(align, n);
    if (!p) return 12;
    *out = p;
    return 0;
}
void *aligned_alloc(size_t align, size_t n) { if (atomic_load(&counting)) atomic_fetch_add(&allocations, 1); return __libc_memalign(align, n); }
void *memalign(size_t align, size_t n) { if (atomic_load(&counting)) atomic_fetch_add(&allocations, 1); return __libc_memalign(align, n); }

static long count_begin(void) { atomic_store(&allocations, 0); atomic_store(&counting, 1); return 0; }
static long count_end(void) { atomic_store(&counting, 0); return atomic_load(&allocations); }

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL: " __VA_ARGS__); printf("\n"); } else { printf("ok: " __VA_ARGS__); printf("\n"); } } while (0)

static long fit_allocations(seqnn_model *m, const float *x, const float *y, size_t samples) {
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.epochs = 1;
    o.verbose = 0;
    o.batch_size = 32;
    count_begin();
    int rc = seqnn_model_fit(m, x, samples * 784, y, samples * 10, &o, NULL);
    long n = count_end();
    if (rc != SEQNN_OK) { printf("fit failed: %s\n", seqnn_model_last_error(m)); exit(1); }
    return n;
}

/* A Keras mask flows as a per-pass buffer: a padded-text model (Embedding(mask_zero) -> LSTM per step ->
   Dense per step, loss and accuracy weighted by the mask) allocates nothing per batch either. */
static void masked_sequences(void) {
    enum { N = 3200, T = 8 };
    float *x = malloc(sizeof(float) * N * T), *y = malloc(sizeof(float) * N * T), *out = malloc(sizeof(float) * N * T * 3);
    for (int i = 0; i < N * T; i++) {
        int row = i / T, t = i % T;
        x[i] = t < T - row % T ? (float)(1 + (i * 7) % 19) : 0.0f;   /* row r keeps T - r % T steps */
        y[i] = (float)(i % 3);
    }
    seqnn_model *m = seqnn_model_create(2);
    seqnn_model_add(m, "Embedding", "{\"input_dim\": 20, \"output_dim\": 4, \"mask_zero\": true, \"input_shape\": [8]}");
    seqnn_model_add(m, "LSTM", "{\"units\": 6, \"return_sequences\": true}");
    seqnn_model_add(m, "Dense", "{\"units\": 3, \"activation\": \"softmax\"}");
    seqnn_model_compile(m, "adam", "sparse_categorical_crossentropy", "accuracy");
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.epochs = 1;
    o.verbose = 0;
    o.batch_size = 32;
    long counts[3];
    size_t sizes[3] = {N, 320, N};   /* warm-up, then 10 and 100 batches */
    for (int k = 0; k < 3; k++) {
        count_begin();
        int rc = seqnn_model_fit(m, x, sizes[k] * T, y, sizes[k] * T, &o, NULL);
        counts[k] = count_end();
        if (rc != SEQNN_OK) { printf("masked fit failed: %s\n", seqnn_model_last_error(m)); exit(1); }
    }
    CHECK(counts[2] - counts[1] <= 2, "masked fit allocates nothing per batch (difference %ld over 90 extra batches)", counts[2] - counts[1]);
    seqnn_model_predict(m, x, N * T, 32, out, N * T * 3, NULL);
    count_begin();
    seqnn_model_predict(m, x, 320 * T, 32, out, N * T * 3, NULL);
    long p10 = count_end();
    count_begin();
    seqnn_model_predict(m, x, N * T, 32, out, N * T * 3, NULL);
    long p100 = count_end();
    CHECK(p100 == p10, "masked batched predict allocates nothing per batch (%ld vs %ld)", p10, p100);
    seqnn_model_free(m);
    free(x); free(y); free(out);
}

/* A batch source over the arrays (a PyDataset of batches of 32) and a batch hook that does nothing. */
typedef struct { const float *x, *y; size_t samples; } arrays;

static int fill(void *user, int64_t index, float *x, float *y, size_t y_width, float *w, int64_t *rows) {
    (void)w; (void)y_width;
    const arrays *a = user;
    size_t start = (size_t)index * 32, n = a->samples - start < 32 ? a->samples - start : 32;
    memcpy(x, a->x + start * 784, sizeof(float) * n * 784);
    if (y) memcpy(y, a->y + start * 10, sizeof(float) * n * 10);
    *rows = (int64_t)n;
    return 0;
}

static int hook(void *user, int32_t phase, int32_t end, int64_t batch, const char *const *names, const double *values,
                size_t count, const float *outputs, size_t outputs_len) {
    (void)phase; (void)end; (void)batch; (void)names; (void)values; (void)count; (void)outputs; (void)outputs_len;
    ++*(long *)user;
    return 0;
}

static long source_allocations(seqnn_model *m, const float *x, const float *y, size_t samples, int with_hook, int predict) {
    arrays a = {x, y, samples};
    seqnn_batch_source s;
    seqnn_batch_source_init(&s);
    s.next_batch = fill; s.user_data = &a; s.max_rows = 32; s.indexable = 1; s.steps = (int64_t)(samples / 32);
    long calls = 0;
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.epochs = 1; o.verbose = 0;
    seqnn_run_options ro;
    seqnn_run_options_init(&ro);
    if (with_hook) { o.on_batch = hook; o.batch_user_data = &calls; ro.on_batch = hook; ro.batch_user_data = &calls; }
    count_begin();
    int rc = predict ? seqnn_model_predict_source(m, &s, &ro, NULL, 0, NULL) : seqnn_model_fit_source(m, &s, &o, NULL);
    long n = count_end();
    if (rc != SEQNN_OK) { printf("source call failed: %s\n", seqnn_model_last_error(m)); exit(1); }
    if (with_hook && calls != 2 * (long)(samples / 32)) { printf("hook called %ld times\n", calls); exit(1); }
    return n;
}

int main(void) {
    enum { N = 3200 };
    float *x = malloc(sizeof(float) * N * 784), *y = calloc(N * 10, sizeof(float)), out[10];
    for (size_t i = 0; i < (size_t)N * 784; i++) x[i] = (float)((i * 2654435761u) % 1000) / 1000.0f;
    for (int i = 0; i < N; i++) y[i * 10 + i % 10] = 1;
    seqnn_model *m = seqnn_model_create(1);
    seqnn_model_add(m, "Dense", "{\"units\": 32, \"activation\": \"relu\", \"input_shape\": [784]}");
    seqnn_model_add(m, "Dropout", "{\"rate\": 0.2}");
    seqnn_model_add(m, "Dense", "{\"units\": 10, \"activation\": \"softmax\"}");
    seqnn_model_compile(m, "rmsprop", "categorical_crossentropy", "accuracy");
    fit_allocations(m, x, y, N);   /* warm-up: buffers for batch 32 */
    long small = fit_allocations(m, x, y, 320), large = fit_allocations(m, x, y, N);
    printf("fit: %ld allocations for 10 batches, %ld for 100 batches\n", small, large);
    CHECK(large - small <= 2, "fit allocates nothing per batch (difference %ld over 90 extra batches)", large - small);

    seqnn_model_predict(m, x, 784, 1, out, 10, NULL);   /* warm-up */
    count_begin();
    for (int i = 0; i < 1000; i++) seqnn_model_predict(m, x + (i % N) * 784, 784, 1, out, 10, NULL);
    long per = count_end();
    printf("predict: %ld allocations over 1000 single-sample calls\n", per);
    CHECK(per == 0, "single-sample predict allocates nothing (%ld)", per);

    float *big = malloc(sizeof(float) * N * 10);
    seqnn_model_predict(m, x, N * 784, 32, big, N * 10, NULL);
    count_begin();
    seqnn_model_predict(m, x, 320 * 784, 32, big, N * 10, NULL);
    long p10 = count_end();
    count_begin();
    seqnn_model_predict(m, x, N * 784, 32, big, N * 10, NULL);
    long p100 = count_end();
    CHECK(p100 == p10, "batched predict allocates nothing per batch (%ld vs %ld)", p10, p100);

    /* ARCHITECTURE §2 holds for data from a batch source (one copy per batch into the library's buffers),
     * with and without a batch hook */
    for (int with_hook = 0; with_hook < 2; with_hook++)
        for (int predict = 0; predict < 2; predict++) {
            source_allocations(m, x, y, N, with_hook, predict);   /* warm-up */
            long s10 = source_allocations(m, x, y, 320, with_hook, predict);
            long s100 = source_allocations(m, x, y, N, with_hook, predict);
            printf("%s from a source%s: %ld allocations for 10 batches, %ld for 100\n", predict ? "predict" : "fit",
                   with_hook ? " with a batch hook" : "", s10, s100);
            CHECK(s100 - s10 <= 2, "%s from a source%s allocates nothing per batch (difference %ld over 90 batches)",
                  predict ? "predict" : "fit", with_hook ? " with a batch hook" : "", s100 - s10);
        }
    seqnn_model_free(m);
    free(x); free(y); free(big);
    masked_sequences();
    printf("%d failed\n", failures);
    return failures != 0;
}
