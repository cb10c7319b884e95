/*
 * test_contracts.c - the header's conventions, checked as promised (issue 15, item 5):
 *
 *  1. Threads: a predict never fails with SEQNN_BUSY because another thread sets weights
 *     (seqnn_model_set_weight) or loads them (seqnn_model_load_weights): it waits for that short write, and
 *     sees the weights before it or after it, never half of them. The writes themselves return OK or BUSY.
 *  2. Output buffers: NULL with capacity 0 asks for the size (SEQNN_BUFFER_TOO_SMALL, size stored); NULL
 *     with a capacity is SEQNN_INVALID_ARGUMENT, for every function with an output buffer.
 *     Saves are readers too: threads saving and loading .keras archives at once all succeed.
 *  3. The statuses the header names for particular failures are the ones returned.
 * SEQNN_TEST_ITERS sets the predicts per thread in (1) (default 2000; valgrind runs use fewer).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

enum { IN = 8, HID = 4, OUT = 2, ROWS = 16, READERS = 3 };

/* Dense(4, input_dim=8) -> Dense(2): layer 0's kernel is what the writers change. */
static seqnn_model *small_model(void) {
    seqnn_model *m = seqnn_model_create(5);
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 4, \"input_dim\": 8}"));
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 2}"));
    return m;
}

static int iterations(void) {
    const char *s = getenv("SEQNN_TEST_ITERS");
    int n = s ? atoi(s) : 0;
    return n > 0 ? n * 20 : 2000;
}

typedef struct {
    seqnn_model *model;
    const float *x, *ref_a, *ref_b;
    int iterations;
    volatile int *writes_ok;   /* the writer's successes: readers go on until it has some */
    int calls, busy, other_failures, torn, first_bad;
    char message[256];
} reader_job;

static void *reader(void *arg) {
    reader_job *j = arg;
    float out[ROWS * OUT];
    time_t start = time(NULL);
    for (int i = 0; (i < j->iterations || *j->writes_ok < 20) && time(NULL) - start < 60; i++) {
        /* now and then no reader runs, so the writer (BUSY while readers run, as documented) gets in */
        if (i % 16 == 15) nanosleep(&(struct timespec){0, 200000}, NULL);
        int rc = seqnn_model_predict(j->model, j->x, ROWS * IN, 0, out, ROWS * OUT, NULL);
        j->calls++;
        if (rc != SEQNN_OK) {
            if (rc == SEQNN_BUSY) j->busy++; else j->other_failures++;
            if (!j->first_bad) {
                j->first_bad = rc;
                snprintf(j->message, sizeof j->message, "%s", seqnn_last_error());
            }
            continue;
        }
        if (memcmp(out, j->ref_a, sizeof out) != 0 && memcmp(out, j->ref_b, sizeof out) != 0) j->torn++;
    }
    return NULL;
}

typedef struct {
    seqnn_model *model;
    const float *kernel_a, *kernel_b;   /* set_weight mode */
    const char *file_a, *file_b;        /* load_weights mode */
    volatile int *stop;
    volatile int ok;
    int busy, other, other_status;
} writer_job;

static void *writer(void *arg) {
    writer_job *w = arg;
    for (int i = 0; !*w->stop; i++) {
        int rc = w->file_a ? seqnn_model_load_weights(w->model, i % 2 ? w->file_b : w->file_a)
                           : seqnn_model_set_weight(w->model, 0, 0, i % 2 ? w->kernel_b : w->kernel_a, IN * HID);
        if (rc == SEQNN_OK) w->ok++;
        else if (rc == SEQNN_BUSY) w->busy++;
        else { w->other++; w->other_status = rc; }
    }
    return NULL;
}

/* Readers predict while one writer alternates between two sets of weights (A and B). */
static void run_readers_and_writer(seqnn_model *m, const float *x, const float *ref_a, const float *ref_b, writer_job *w) {
    volatile int stop = 0;
    reader_job jobs[READERS];
    pthread_t rt[READERS], wt;
    w->stop = &stop;
    CHECK(pthread_create(&wt, NULL, writer, w) == 0);
    for (int t = 0; t < READERS; t++) {
        jobs[t] = (reader_job){.model = m, .x = x, .ref_a = ref_a, .ref_b = ref_b, .iterations = iterations(), .writes_ok = &w->ok};
        CHECK(pthread_create(&rt[t], NULL, reader, &jobs[t]) == 0);
    }
    for (int t = 0; t < READERS; t++) pthread_join(rt[t], NULL);
    stop = 1;
    pthread_join(wt, NULL);
    for (int t = 0; t < READERS; t++) {
        CHECKF(jobs[t].busy == 0 && jobs[t].other_failures == 0,
               "reader %d: %d of %d predicts BUSY, %d failed otherwise; first %d (%s): %s", t, jobs[t].busy,
               jobs[t].calls, jobs[t].other_failures, jobs[t].first_bad, seqnn_status_string(jobs[t].first_bad), jobs[t].message);
        CHECKF(jobs[t].torn == 0, "reader %d: %d predictions match neither the A nor the B weights", t, jobs[t].torn);
    }
    CHECKF(w->other == 0, "writer: %d calls failed with %d (%s), expected only OK or BUSY", w->other, w->other_status,
           seqnn_status_string(w->other_status));
    CHECKF(w->ok > 0, "writer: no write succeeded (%d BUSY)", w->busy);
    if (t_verbose) printf("  writer: %d ok, %d busy\n", w->ok, w->busy);
}

static void test_predict_beside_weight_writes(void) {
    t_begin("predict beside set_weight and load_weights: never BUSY, never torn");
    seqnn_model *m = small_model();
    float x[ROWS * IN], ka[IN * HID], kb[IN * HID], ref_a[ROWS * OUT], ref_b[ROWS * OUT];
    t_seed(11);
    for (int i = 0; i < ROWS * IN; i++) x[i] = t_uniform() - 0.5f;
    for (int i = 0; i < IN * HID; i++) { ka[i] = t_uniform() - 0.5f; kb[i] = t_uniform() - 0.5f; }
    CHECK_OK(seqnn_model_set_weight(m, 0, 0, ka, IN * HID));
    CHECK_OK(seqnn_model_predict(m, x, ROWS * IN, 0, ref_a, ROWS * OUT, NULL));
    char dir[] = "/tmp/seqnn-contracts-XXXXXX", fa[64], fb[64];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(fa, sizeof fa, "%s/a.h5", dir);
    snprintf(fb, sizeof fb, "%s/b.h5", dir);
    CHECK_OK(seqnn_model_save(m, fa, NULL));
    CHECK_OK(seqnn_model_set_weight(m, 0, 0, kb, IN * HID));
    CHECK_OK(seqnn_model_predict(m, x, ROWS * IN, 0, ref_b, ROWS * OUT, NULL));
    CHECK_OK(seqnn_model_save(m, fb, NULL));
    CHECK(memcmp(ref_a, ref_b, sizeof ref_a) != 0);

    writer_job w = {.model = m, .kernel_a = ka, .kernel_b = kb};
    run_readers_and_writer(m, x, ref_a, ref_b, &w);
    writer_job l = {.model = m, .file_a = fa, .file_b = fb};
    run_readers_and_writer(m, x, ref_a, ref_b, &l);

    unlink(fa);
    unlink(fb);
    rmdir(dir);
    seqnn_model_free(m);
}

/* Saves run beside each other (they are readers): two threads saving and loading .keras archives at once
 * once failed, the in-memory model.weights.h5 of one clashing with the other's in libhdf5. */
typedef struct {
    seqnn_model *model;
    char path[96];
    int failures, status;
    char message[256];
} archive_job;

static void *save_and_load_archives(void *arg) {
    archive_job *j = arg;
    for (int i = 0; i < 40; i++) {
        seqnn_model *back = NULL;
        int rc = seqnn_model_save(j->model, j->path, NULL);
        if (rc == SEQNN_OK) rc = seqnn_model_load(j->path, 0, &back);
        seqnn_model_free(back);
        if (rc != SEQNN_OK && j->failures++ == 0) {
            j->status = rc;
            snprintf(j->message, sizeof j->message, "%s", seqnn_last_error());
        }
    }
    return NULL;
}

static void test_concurrent_archives(void) {
    t_begin("threads saving and loading .keras archives at once");
    seqnn_model *m = small_model();
    char dir[] = "/tmp/seqnn-archives-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    archive_job jobs[4];
    pthread_t tids[4];
    for (int t = 0; t < 4; t++) {
        memset(&jobs[t], 0, sizeof jobs[t]);
        jobs[t].model = m;   /* one shared model: saves are readers */
        snprintf(jobs[t].path, sizeof jobs[t].path, "%s/m%d.keras", dir, t);
        CHECK(pthread_create(&tids[t], NULL, save_and_load_archives, &jobs[t]) == 0);
    }
    for (int t = 0; t < 4; t++) pthread_join(tids[t], NULL);
    for (int t = 0; t < 4; t++) {
        CHECKF(jobs[t].failures == 0, "thread %d: %d of 40 save+load failed, first with %d (%s): %s", t, jobs[t].failures,
               jobs[t].status, seqnn_status_string(jobs[t].status), jobs[t].message);
        unlink(jobs[t].path);
    }
    rmdir(dir);
    seqnn_model_free(m);
}

/* Each function with an output buffer: NULL + capacity 0 is the size query, NULL + capacity is a bug. */
static void test_output_buffers(void) {
    t_begin("output buffers: NULL with capacity 0 asks the size, NULL with a capacity is INVALID_ARGUMENT");
    seqnn_model *m = small_model();
    CHECK_OK(seqnn_model_compile(m, "sgd", "mse", "mae"));
    float x[ROWS * IN] = {0}, y[ROWS * OUT] = {0};
    size_t n = 0;

    n = 0;
    CHECK_FAIL(m, seqnn_model_evaluate(m, x, ROWS * IN, y, ROWS * OUT, 0, NULL, 0, &n), SEQNN_BUFFER_TOO_SMALL, "2");
    CHECK(n == 2);
    CHECK_FAIL(m, seqnn_model_evaluate(m, x, ROWS * IN, y, ROWS * OUT, 0, NULL, 2, &n), SEQNN_INVALID_ARGUMENT, "NULL");
    CHECK_FAIL(m, seqnn_model_evaluate_ex(m, x, ROWS * IN, y, ROWS * OUT, NULL, NULL, 2, &n), SEQNN_INVALID_ARGUMENT, "NULL");
    CHECK_FAIL(m, seqnn_model_train_on_batch(m, x, ROWS * IN, y, ROWS * OUT, NULL, 2, &n), SEQNN_INVALID_ARGUMENT, "NULL");
    n = 0;
    CHECK_FAIL(m, seqnn_model_train_on_batch(m, x, ROWS * IN, y, ROWS * OUT, NULL, 0, &n), SEQNN_BUFFER_TOO_SMALL, "2");
    CHECK(n == 2);

    n = 0;
    CHECK_FAIL(m, seqnn_model_predict(m, x, ROWS * IN, 0, NULL, 0, &n), SEQNN_BUFFER_TOO_SMALL, "32");
    CHECK(n == ROWS * OUT);
    CHECK_FAIL(m, seqnn_model_predict(m, x, ROWS * IN, 0, NULL, ROWS * OUT, &n), SEQNN_INVALID_ARGUMENT, "NULL");
    CHECK_FAIL(m, seqnn_model_predict_ex(m, x, ROWS * IN, NULL, NULL, ROWS * OUT, &n), SEQNN_INVALID_ARGUMENT, "NULL");

    n = 0;
    CHECK_FAIL(m, seqnn_model_get_weight(m, 0, 0, NULL, 0, &n), SEQNN_BUFFER_TOO_SMALL, "32");
    CHECK(n == IN * HID);
    CHECK_FAIL(m, seqnn_model_get_weight(m, 0, 0, NULL, 8, &n), SEQNN_INVALID_ARGUMENT, "NULL");
    CHECK_FAIL(m, seqnn_model_weight_shape(m, 0, 0, NULL, 2, &n), SEQNN_INVALID_ARGUMENT, "NULL");
    CHECK_FAIL(m, seqnn_model_input_shape(m, NULL, 2, &n, NULL), SEQNN_INVALID_ARGUMENT, "NULL");
    CHECK_FAIL(m, seqnn_model_layer_output_shape(m, 0, NULL, 2, &n), SEQNN_INVALID_ARGUMENT, "NULL");
    n = 0;
    CHECK_FAIL(m, seqnn_model_input_shape(m, NULL, 0, &n, NULL), SEQNN_BUFFER_TOO_SMALL, "rank");
    CHECK(n == 1);

    n = 0;
    CHECK_FAIL(m, seqnn_model_summary(m, NULL, 0, &n), SEQNN_BUFFER_TOO_SMALL, "needed");
    CHECK(n > 0);
    CHECK_FAIL(m, seqnn_model_summary(m, NULL, 100, &n), SEQNN_INVALID_ARGUMENT, "NULL");
    CHECK_FAIL(NULL, seqnn_layer_class_names(NULL, 100, &n), SEQNN_INVALID_ARGUMENT, "NULL");

    float labels[3] = {0, 1, 2};
    n = 0;
    CHECK_FAIL(NULL, seqnn_to_categorical(labels, 3, 0, NULL, 0, &n, NULL), SEQNN_BUFFER_TOO_SMALL, "9");
    CHECK(n == 9);
    CHECK_FAIL(NULL, seqnn_to_categorical(labels, 3, 0, NULL, 9, &n, NULL), SEQNN_INVALID_ARGUMENT, "NULL");

    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    seqnn_history *h = NULL;
    CHECK_OK(seqnn_model_fit(m, x, ROWS * IN, y, ROWS * OUT, &o, &h));
    n = 0;
    CHECK_FAIL(NULL, seqnn_history_get(h, "loss", NULL, 0, &n), SEQNN_BUFFER_TOO_SMALL, "1");
    CHECK(n == 1);
    CHECK_FAIL(NULL, seqnn_history_get(h, "loss", NULL, 1, &n), SEQNN_INVALID_ARGUMENT, "NULL");
    seqnn_history_free(h);
    seqnn_model_free(m);
}

/* Statuses the header names for particular failures. */
static void test_named_statuses(void) {
    t_begin("statuses named in the header");
    seqnn_model *m = seqnn_model_create(1);
    size_t n = 0;
    seqnn_history *h = (seqnn_history *)&n;
    CHECK_FAIL(m, seqnn_model_history(m, &h), SEQNN_INVALID_ARGUMENT, "History");
    CHECK(h == NULL);
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 4}"));
    CHECK_FAIL(m, seqnn_model_input_size(m, &n), SEQNN_NOT_BUILT, "input shape");
    CHECK_FAIL(m, seqnn_model_compile(m, "sgd", "mse", NULL), SEQNN_NOT_BUILT, "dense");
    int64_t shape[1] = {IN};
    CHECK_OK(seqnn_model_set_input(m, shape, 1, 0));
    int64_t other[1] = {IN + 1};
    CHECK_FAIL(m, seqnn_model_set_input(m, other, 1, 0), SEQNN_SHAPE_MISMATCH, "built");
    float x[ROWS * IN] = {0}, y[ROWS * HID] = {0};
    double r[4];
    CHECK_FAIL(m, seqnn_model_evaluate(m, x, ROWS * IN, y, ROWS * HID, 0, r, 4, &n), SEQNN_NOT_COMPILED, "compile");
    CHECK_FAIL(m, seqnn_model_fit(m, x, ROWS * IN, y, ROWS * HID, NULL, NULL), SEQNN_NOT_COMPILED, "compile");

    float k[IN * HID] = {0};
    CHECK_FAIL(m, seqnn_model_set_weight(m, 0, 0, k, IN * HID - 1), SEQNN_SHAPE_MISMATCH, "31");
    k[3] = NAN;
    CHECK_FAIL(m, seqnn_model_set_weight(m, 0, 0, k, IN * HID), SEQNN_NUMERIC_ERROR, "index 3");
    CHECK_FAIL(m, seqnn_model_adapt_layer(m, 0, x, IN), SEQNN_UNSUPPORTED, "dense");

    CHECK_OK(seqnn_model_compile(m, "{\"class_name\": \"SGD\", \"config\": {\"learning_rate\": {\"class_name\": "
                                     "\"ExponentialDecay\", \"config\": {\"initial_learning_rate\": 0.1, "
                                     "\"decay_steps\": 10, \"decay_rate\": 0.5}}}}", "mse", NULL));
    CHECK_FAIL(m, seqnn_model_set_learning_rate(m, 0.01), SEQNN_INVALID_ARGUMENT, "schedule");
    x[5] = INFINITY;
    CHECK_FAIL(m, seqnn_model_fit(m, x, ROWS * IN, y, ROWS * HID, NULL, NULL), SEQNN_NUMERIC_ERROR, "finite");
    float out[ROWS * HID];
    CHECK_FAIL(m, seqnn_model_predict(m, x, ROWS * IN, 0, out, ROWS * HID, NULL), SEQNN_NUMERIC_ERROR, "finite");
    seqnn_model_free(m);

    seqnn_model *loaded = (seqnn_model *)&n;
    int rc = seqnn_model_load("/nonexistent/seqnn/model.h5", 0, &loaded);
    CHECKF(rc != SEQNN_OK && loaded == NULL && contains(seqnn_last_error(), "model.h5"),
           "load of a missing file -> %d, model %p: %s", rc, (void *)loaded, seqnn_last_error());
    float labels[2] = {0, 1.5f}, cat[4];
    CHECK_FAIL(NULL, seqnn_to_categorical(labels, 2, 0, cat, 4, &n, NULL), SEQNN_INVALID_ARGUMENT, "1.5");
    CHECK_FAIL(NULL, seqnn_set_num_threads(0), SEQNN_INVALID_ARGUMENT, "n");
}

int main(int argc, char **argv) {
    static const t_test tests[] = {test_predict_beside_weight_writes, test_concurrent_archives, test_output_buffers, test_named_statuses};
    return t_run("test_contracts", argc, argv, tests, T_COUNT(tests));
}
