/*
 * test_threads.c - SeqNN's thread contract (Include/seqnn.h, "Threads"):
 *
 *  1. seqnn_model_predict from 4 pthreads at once on one compiled model gives, on every call, exactly the
 *     results of a single-threaded predict (many iterations, mixed batch sizes per thread).
 *  2. A mutation attempted while a fit on the same model is running returns SEQNN_BUSY with a message,
 *     and leaves the model intact. Made deterministic: the attempts happen inside fit's epoch callback
 *     (same thread), and from a second thread while the epoch callback waits for that thread to finish
 *     (so the fit is certainly running). Reads (predict, get_weight, summary) from the callback on the
 *     fitting thread succeed; from another thread predict is refused. After fit returns, all succeed.
 *  3. Per-thread seqnn_last_error under concurrency: each thread reads its own message.
 *  4. A stress test in a child process: read-only calls on two threads racing add/pop on a third must
 *     never crash (each add/pop either runs alone or gets SEQNN_BUSY).
 *
 * Build: cc -std=c11 -Wall -Wextra -Werror -IInclude Tests/c/test_threads.c -Lbuild -lseqnn -lpthread -lm
 * Run:   ./test_threads [-v]   (SEQNN_TEST_ITERS sets the predict iterations per thread, default 200)
 * Prints "N passed, M failed" and exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seqnn.h"

/* ---- harness (the same conventions as harness.h; counters are only touched by the main thread) ---- */

static int t_passed, t_failed, t_verbose;
static const char *t_section = "";

static void t_begin(const char *name) {
    t_section = name;
    if (t_verbose) fprintf(stderr, "== %s\n", name);
}

static void t_report(int ok, int line, const char *fmt, ...) {
    if (ok) {
        t_passed++;
        if (!t_verbose) return;
    } else {
        t_failed++;
    }
    fprintf(stderr, "%s test_threads.c:%d [%s] ", ok ? "ok  " : "FAIL", line, t_section);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

#define CHECK(cond) t_report(!!(cond), __LINE__, "%s", #cond)
#define CHECKF(cond, ...) t_report(!!(cond), __LINE__, __VA_ARGS__)
#define CHECK_OK(call)                                                                                   \
    do {                                                                                                 \
        int rc_ = (call);                                                                                \
        t_report(rc_ == SEQNN_OK, __LINE__, "%s -> %d (%s) %s", #call, rc_, seqnn_status_string(rc_),   \
                 rc_ == SEQNN_OK ? "" : seqnn_last_error());                                             \
    } while (0)

static int contains(const char *text, const char *word) { return text != NULL && strstr(text, word) != NULL; }

static uint64_t t_rng = 0x0123456789ABCDEFull;
static float t_uniform(void) {
    t_rng ^= t_rng >> 12;
    t_rng ^= t_rng << 25;
    t_rng ^= t_rng >> 27;
    return (float)((t_rng * 0x2545F4914F6CDD1Dull) >> 40) / 16777216.0f;
}

/* ---- 1. concurrent predict ---- */

enum { IN = 784, OUT = 10, SAMPLES = 64, THREADS = 4 };

static seqnn_model *tutorial(uint64_t seed) {
    seqnn_model *m = seqnn_model_create(seed);
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 32, \"input_shape\": [784]}"));
    CHECK_OK(seqnn_model_add(m, "Activation", "{\"activation\": \"relu\"}"));
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 10}"));
    CHECK_OK(seqnn_model_add(m, "Activation", "{\"activation\": \"softmax\"}"));
    return m;
}

typedef struct {
    seqnn_model *model;
    const float *x;
    const float *reference[3];   /* single-threaded results for the batch sizes below */
    int iterations;
    int index;
    /* results, read by the main thread after join */
    int calls, failures, mismatches;
    int first_bad_status;
    char first_bad_message[256];
} predict_job;

static const int64_t batch_sizes[3] = {SAMPLES, 7, 1};

static void *predict_worker(void *arg) {
    predict_job *j = arg;
    float *out = malloc((size_t)SAMPLES * OUT * sizeof(float));
    for (int it = 0; it < j->iterations; it++) {
        int b = (it + j->index) % 3;   /* threads use different batch sizes at the same time */
        size_t len = 0;
        int rc = seqnn_model_predict(j->model, j->x, (size_t)SAMPLES * IN, batch_sizes[b], out, (size_t)SAMPLES * OUT, &len);
        j->calls++;
        if (rc != SEQNN_OK || len != (size_t)SAMPLES * OUT) {
            if (j->failures++ == 0) {
                j->first_bad_status = rc;
                snprintf(j->first_bad_message, sizeof j->first_bad_message, "%s", seqnn_last_error());
            }
            continue;
        }
        if (memcmp(out, j->reference[b], (size_t)SAMPLES * OUT * sizeof(float)) != 0) j->mismatches++;
    }
    free(out);
    return NULL;
}

static void test_concurrent_predict(int iterations) {
    t_begin("concurrent predict on one model");
    seqnn_model *m = tutorial(3);
    CHECK_OK(seqnn_model_compile(m, "rmsprop", "categorical_crossentropy", "accuracy"));
    float *x = malloc((size_t)SAMPLES * IN * sizeof(float));
    for (size_t i = 0; i < (size_t)SAMPLES * IN; i++) x[i] = t_uniform();
    /* train a little so the weights are not the initial ones */
    float *y = calloc((size_t)SAMPLES * OUT, sizeof(float));
    for (int i = 0; i < SAMPLES; i++) y[i * OUT + i % OUT] = 1;
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.epochs = 2;
    CHECK_OK(seqnn_model_fit(m, x, (size_t)SAMPLES * IN, y, (size_t)SAMPLES * OUT, &o, NULL));

    /* single-threaded references, one per batch size (the API promises they agree; test_predict checks that) */
    float *ref[3];
    for (int b = 0; b < 3; b++) {
        ref[b] = malloc((size_t)SAMPLES * OUT * sizeof(float));
        CHECK_OK(seqnn_model_predict(m, x, (size_t)SAMPLES * IN, batch_sizes[b], ref[b], (size_t)SAMPLES * OUT, NULL));
    }

    predict_job jobs[THREADS];
    pthread_t tids[THREADS];
    for (int t = 0; t < THREADS; t++) {
        memset(&jobs[t], 0, sizeof jobs[t]);
        jobs[t].model = m;
        jobs[t].x = x;
        for (int b = 0; b < 3; b++) jobs[t].reference[b] = ref[b];
        jobs[t].iterations = iterations;
        jobs[t].index = t;
        CHECK(pthread_create(&tids[t], NULL, predict_worker, &jobs[t]) == 0);
    }
    for (int t = 0; t < THREADS; t++) pthread_join(tids[t], NULL);
    for (int t = 0; t < THREADS; t++) {
        CHECKF(jobs[t].calls == iterations, "thread %d made %d calls", t, jobs[t].calls);
        CHECKF(jobs[t].failures == 0, "thread %d: %d predict calls failed, first with %d (%s): %s", t, jobs[t].failures,
               jobs[t].first_bad_status, seqnn_status_string(jobs[t].first_bad_status), jobs[t].first_bad_message);
        CHECKF(jobs[t].mismatches == 0, "thread %d: %d of %d results differ from the single-threaded ones", t,
               jobs[t].mismatches, jobs[t].calls);
    }

    /* afterwards the model is still whole: same results single-threaded, and it still trains */
    float *again = malloc((size_t)SAMPLES * OUT * sizeof(float));
    CHECK_OK(seqnn_model_predict(m, x, (size_t)SAMPLES * IN, batch_sizes[0], again, (size_t)SAMPLES * OUT, NULL));
    CHECK(memcmp(again, ref[0], (size_t)SAMPLES * OUT * sizeof(float)) == 0);
    CHECK_OK(seqnn_model_fit(m, x, (size_t)SAMPLES * IN, y, (size_t)SAMPLES * OUT, &o, NULL));
    free(again);
    for (int b = 0; b < 3; b++) free(ref[b]);
    free(y);
    free(x);
    seqnn_model_free(m);
}

/* Different models on different threads are independent: each trains and predicts as it would alone. */
typedef struct {
    uint64_t seed;
    float weights[320];
    int status;
} train_job;

static float shared_x[32 * 100], shared_y[32 * 10];

static void *train_worker(void *arg) {
    train_job *j = arg;
    seqnn_model *m = seqnn_model_create(j->seed);
    int rc = seqnn_model_add(m, "Dense", "{\"units\": 32, \"activation\": \"relu\", \"input_dim\": 100}");
    if (!rc) rc = seqnn_model_add_dense(m, 10, "softmax");
    if (!rc) rc = seqnn_model_compile(m, "adam", "categorical_crossentropy", "accuracy");
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.epochs = 3;
    if (!rc) rc = seqnn_model_fit(m, shared_x, 32 * 100, shared_y, 32 * 10, &o, NULL);
    if (!rc) rc = seqnn_model_get_weight(m, 1, 0, j->weights, 320, NULL);
    j->status = rc;
    seqnn_model_free(m);
    return NULL;
}

static void test_independent_models(void) {
    t_begin("independent models on parallel threads");
    for (int i = 0; i < 32 * 100; i++) shared_x[i] = t_uniform();
    for (int i = 0; i < 32; i++) shared_y[i * 10 + i % 10] = 1;
    train_job alone = {.seed = 9}, jobs[THREADS];
    train_worker(&alone);
    CHECK(alone.status == SEQNN_OK);
    pthread_t tids[THREADS];
    for (int t = 0; t < THREADS; t++) {
        memset(&jobs[t], 0, sizeof jobs[t]);
        jobs[t].seed = 9;
        CHECK(pthread_create(&tids[t], NULL, train_worker, &jobs[t]) == 0);
    }
    for (int t = 0; t < THREADS; t++) pthread_join(tids[t], NULL);
    for (int t = 0; t < THREADS; t++) {
        CHECKF(jobs[t].status == SEQNN_OK, "thread %d -> %d", t, jobs[t].status);
        CHECKF(memcmp(jobs[t].weights, alone.weights, sizeof alone.weights) == 0, "thread %d trained other weights", t);
    }
}

/* ---- 2. mutations during fit -> SEQNN_BUSY ---- */

typedef struct {
    int rc;
    char message[512];
} attempt;

typedef struct {
    seqnn_model *model;
    int calls;
    attempt add, add_dense, add_activation, add_dropout, pop, compile, set_input, set_weight, add_metric,
        fit, evaluate, train_on_batch, predict, get_weight, summary;
    float prediction[2];
    int count_rc;
    size_t layers_seen;
    /* cross-thread attempts made while the callback waits */
    attempt other_add, other_compile, other_fit, other_predict, other_set_weight;
} busy_probe;

static void record(attempt *a, int rc) {
    a->rc = rc;
    snprintf(a->message, sizeof a->message, "%s", rc == SEQNN_OK ? "" : seqnn_last_error());
}

static int identity_metric(void *u, const float *t, const float *p, int64_t b, int64_t pd, int64_t td, double *r) {
    (void)u, (void)t, (void)p, (void)b, (void)pd, (void)td;
    *r = 0;
    return 0;
}

/* Runs on a second thread while fit's epoch callback (on the first) waits for it with pthread_join. */
static void *mutate_from_other_thread(void *arg) {
    busy_probe *p = arg;
    record(&p->other_add, seqnn_model_add(p->model, "Dense", "{\"units\": 3}"));
    record(&p->other_compile, seqnn_model_compile(p->model, "sgd", "mse", NULL));
    float x[8] = {0}, y[2] = {0}, out[2];
    record(&p->other_fit, seqnn_model_fit(p->model, x, 8, y, 2, NULL, NULL));
    record(&p->other_predict, seqnn_model_predict(p->model, x, 8, 0, out, 2, NULL));
    float w[4] = {0};
    record(&p->other_set_weight, seqnn_model_set_weight(p->model, 0, 0, w, 4));
    return NULL;
}

static int mutate_in_callback(void *user_data, int64_t epoch, const char *const *names, const double *values, size_t count) {
    busy_probe *p = user_data;
    (void)names, (void)values, (void)count;
    p->calls++;
    if (epoch != 0) return 0;
    seqnn_model *m = p->model;
    float x[8] = {0}, y[2] = {0}, out[2], w[4] = {0};
    double r[2];
    int64_t shape[1] = {4};
    record(&p->add, seqnn_model_add(m, "Dense", "{\"units\": 3}"));
    record(&p->add_dense, seqnn_model_add_dense(m, 3, NULL));
    record(&p->add_activation, seqnn_model_add_activation(m, "relu"));
    record(&p->add_dropout, seqnn_model_add_dropout(m, 0.5f));
    record(&p->pop, seqnn_model_pop(m));
    record(&p->compile, seqnn_model_compile(m, "sgd", "mse", NULL));
    record(&p->set_input, seqnn_model_set_input(m, shape, 1, 0));
    record(&p->set_weight, seqnn_model_set_weight(m, 0, 0, w, 4));
    record(&p->add_metric, seqnn_model_add_metric(m, "zero", identity_metric, NULL));
    record(&p->fit, seqnn_model_fit(m, x, 8, y, 2, NULL, NULL));
    record(&p->evaluate, seqnn_model_evaluate(m, x, 8, y, 2, 0, r, 2, NULL));
    record(&p->train_on_batch, seqnn_model_train_on_batch(m, x, 8, y, 2, r, 2, NULL));
    /* reading on the fitting thread is allowed (Keras's ModelCheckpoint does it) */
    record(&p->predict, seqnn_model_predict(m, x, 8, 0, out, 2, NULL));
    memcpy(p->prediction, out, sizeof out);
    record(&p->get_weight, seqnn_model_get_weight(m, 0, 0, w, 4, NULL));
    char text[2048];
    record(&p->summary, seqnn_model_summary(m, text, sizeof text, NULL));
    p->layers_seen = seqnn_model_layer_count(m);
    /* the same from another thread, while this fit is certainly still running */
    pthread_t t;
    if (pthread_create(&t, NULL, mutate_from_other_thread, p) == 0) pthread_join(t, NULL);
    return 0;
}

#define CHECK_BUSY(a, what)                                                                                      \
    CHECKF((a).rc == SEQNN_BUSY && (a).message[0] && (contains((a).message, "busy") || contains((a).message, "in use") || \
                                                      contains((a).message, "being modified")),                 \
           "%s during fit -> %d (%s), expected SEQNN_BUSY with a message; message: \"%s\"", what, (a).rc,          \
           seqnn_status_string((a).rc), (a).message)

static void test_busy_during_fit(void) {
    t_begin("mutation during fit -> SEQNN_BUSY");
    seqnn_model *m = seqnn_model_create(4);
    int64_t shape[1] = {4};
    CHECK_OK(seqnn_model_set_input(m, shape, 1, 0));
    CHECK_OK(seqnn_model_add_dense(m, 1, NULL));
    CHECK_OK(seqnn_model_compile(m, "sgd", "mse", NULL));
    float x[40], y[10];
    for (int i = 0; i < 40; i++) x[i] = t_uniform();
    for (int i = 0; i < 10; i++) y[i] = t_uniform();
    float w_before[4];
    CHECK_OK(seqnn_model_get_weight(m, 0, 0, w_before, 4, NULL));

    busy_probe p;
    memset(&p, 0, sizeof p);
    p.model = m;
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.epochs = 3;
    o.on_epoch_end = mutate_in_callback;
    o.epoch_user_data = &p;
    seqnn_history *h = NULL;
    CHECK_OK(seqnn_model_fit(m, x, 40, y, 10, &o, &h));
    CHECK(p.calls == 3);
    CHECK(seqnn_history_epochs(h) == 3);   /* the refused calls did not stop or break the fit */
    seqnn_history_free(h);

    CHECK_BUSY(p.add, "seqnn_model_add");
    CHECK_BUSY(p.add_dense, "seqnn_model_add_dense");
    CHECK_BUSY(p.add_activation, "seqnn_model_add_activation");
    CHECK_BUSY(p.add_dropout, "seqnn_model_add_dropout");
    CHECK_BUSY(p.pop, "seqnn_model_pop");
    CHECK_BUSY(p.compile, "seqnn_model_compile");
    CHECK_BUSY(p.set_input, "seqnn_model_set_input");
    CHECK_BUSY(p.set_weight, "seqnn_model_set_weight");
    CHECK_BUSY(p.add_metric, "seqnn_model_add_metric");
    CHECK_BUSY(p.fit, "seqnn_model_fit (nested)");
    CHECK_BUSY(p.evaluate, "seqnn_model_evaluate");
    CHECK_BUSY(p.train_on_batch, "seqnn_model_train_on_batch");
    CHECK(contains(p.add.message, "seqnn_model_add"));
    CHECK(contains(p.compile.message, "seqnn_model_compile"));
    /* reads from inside the callback, on the fitting thread, succeed */
    CHECKF(p.predict.rc == SEQNN_OK, "predict in the epoch callback -> %d: %s", p.predict.rc, p.predict.message);
    CHECK(isfinite(p.prediction[0]) && isfinite(p.prediction[1]));
    CHECKF(p.get_weight.rc == SEQNN_OK, "get_weight in the epoch callback -> %d: %s", p.get_weight.rc, p.get_weight.message);
    CHECKF(p.summary.rc == SEQNN_OK, "summary in the epoch callback -> %d: %s", p.summary.rc, p.summary.message);
    CHECK(p.layers_seen == 1);
    CHECK_BUSY(p.other_add, "seqnn_model_add from another thread");
    CHECK_BUSY(p.other_compile, "seqnn_model_compile from another thread");
    CHECK_BUSY(p.other_fit, "seqnn_model_fit from another thread");
    CHECK_BUSY(p.other_set_weight, "seqnn_model_set_weight from another thread");
    /* another thread may not read a model that is being trained: refused, not read half-updated */
    CHECK_BUSY(p.other_predict, "seqnn_model_predict from another thread");

    /* the model is unchanged by the refused calls: one layer, still compiled, trainable */
    CHECK(seqnn_model_layer_count(m) == 1);
    size_t count = 0;
    CHECK_OK(seqnn_model_metric_count(m, &count));
    CHECK(count == 1);   /* compile(sgd, mse) and add_metric were refused */

    /* once fit has returned, the same calls succeed: the guard was released */
    CHECK_OK(seqnn_model_add_dense(m, 3, NULL));
    CHECK_OK(seqnn_model_pop(m));
    CHECK_OK(seqnn_model_compile(m, "sgd", "mse", NULL));
    double r[1];
    CHECK_OK(seqnn_model_train_on_batch(m, x, 40, y, 10, r, 1, NULL));

    /* a fit that fails (NaN) releases the guard too */
    x[3] = NAN;
    CHECKF(seqnn_model_fit(m, x, 40, y, 10, NULL, NULL) == SEQNN_NUMERIC_ERROR, "fit with NaN: %s", seqnn_last_error());
    CHECK_OK(seqnn_model_compile(m, "adam", "mse", NULL));
    /* so does a fit stopped by its callback or by a failing metric */
    x[3] = 0.5f;
    CHECK_OK(seqnn_model_add_metric(m, "zero", identity_metric, NULL));
    CHECK_OK(seqnn_model_compile(m, "adam", "mse", "zero"));
    CHECK_OK(seqnn_model_fit(m, x, 40, y, 10, NULL, NULL));
    CHECK_OK(seqnn_model_add_dense(m, 2, NULL));
    seqnn_model_free(m);
}

/* ---- 3. per-thread last error ---- */

typedef struct {
    int index;
    int ok;
} error_job;

static void *error_worker(void *arg) {
    error_job *j = arg;
    j->ok = 1;
    char want[32];
    for (int i = 0; i < 200; i++) {
        int n = -(j->index * 1000 + i) - 1;
        if (seqnn_set_num_threads(n) != SEQNN_INVALID_ARGUMENT) j->ok = 0;
        snprintf(want, sizeof want, "found %d", n);
        if (!contains(seqnn_last_error(), want)) j->ok = 0;
    }
    return NULL;
}

static void test_thread_errors(void) {
    t_begin("per-thread seqnn_last_error");
    error_job jobs[THREADS];
    pthread_t tids[THREADS];
    for (int t = 0; t < THREADS; t++) {
        jobs[t].index = t + 1;
        jobs[t].ok = 0;
        CHECK(pthread_create(&tids[t], NULL, error_worker, &jobs[t]) == 0);
    }
    for (int t = 0; t < THREADS; t++) pthread_join(tids[t], NULL);
    for (int t = 0; t < THREADS; t++) CHECKF(jobs[t].ok, "thread %d saw another thread's message", t);
}


/* ---- 4. reads racing structural mutations (stress, in a child process) ----
 * The header: exclusive functions "fail with SEQNN_BUSY if any other call on the same model is running,
 * instead of corrupting it". Two threads call the read-only functions (summary, layer_count, layer_name,
 * count_params, weight_count, output_size) in a loop while the main thread adds and pops layers. Whatever
 * interleaving happens, nothing may crash: each add/pop either runs alone or gets SEQNN_BUSY. Runs in a
 * forked child so a crash is reported instead of ending this program. (It can only fail when the library
 * is wrong; a correct library passes every time.) */

static seqnn_model *race_model;
static volatile int race_stop;

static void *race_reader(void *arg) {
    (void)arg;
    char buf[8192];
    long iterations = 0;
    while (!race_stop) {
        size_t n = seqnn_model_layer_count(race_model), total, trainable, count, out;
        (void)seqnn_model_summary(race_model, buf, sizeof buf, NULL);
        if (n > 0) {
            const char *name = seqnn_model_layer_name(race_model, n - 1);
            const char *cls = seqnn_model_layer_class(race_model, n - 1);
            if ((name && !name[0]) || (cls && !cls[0])) abort();
            (void)seqnn_model_weight_count(race_model, n - 1, &count);
        }
        (void)seqnn_model_count_params(race_model, &total, &trainable);
        (void)seqnn_model_output_size(race_model, &out);
        iterations++;
    }
    return (void *)iterations;
}

static void race_child(long rounds) {
    int keep = dup(2);
    if (!t_verbose) {   /* the Swift runtime's last words on a crash: only with -v */
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, 2);
    }
    race_model = seqnn_model_create(1);
    int64_t shape[1] = {64};
    if (seqnn_model_set_input(race_model, shape, 1, 0) != SEQNN_OK) _exit(3);
    pthread_t readers[2];
    for (int t = 0; t < 2; t++)
        if (pthread_create(&readers[t], NULL, race_reader, NULL) != 0) _exit(4);
    long busy = 0, done = 0;
    for (long i = 0; i < rounds; i++) {
        int rc = seqnn_model_add_dense(race_model, 8, NULL);
        if (rc == SEQNN_BUSY) busy++;
        else if (rc == SEQNN_OK) done++;
        else _exit(5);
        if (seqnn_model_layer_count(race_model) > 16) {
            rc = seqnn_model_pop(race_model);
            if (rc != SEQNN_OK && rc != SEQNN_BUSY) _exit(6);
        }
    }
    race_stop = 1;
    for (int t = 0; t < 2; t++) pthread_join(readers[t], NULL);
    seqnn_model_free(race_model);
    if (t_verbose) dprintf(keep, "      race child: %ld adds, %ld refused with SEQNN_BUSY\n", done, busy);
    _exit(0);
}

static void test_reads_racing_mutations(long rounds) {
    t_begin("reads racing add/pop (stress, child process)");
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        CHECKF(0, "fork failed");
        return;
    }
    if (pid == 0) race_child(rounds);
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0) {}
    CHECKF(WIFEXITED(ws) && WEXITSTATUS(ws) == 0,
           "%ld add/pop rounds against concurrent summary/layer_name/count_params readers: %s %d "
           "(a read-only call is not registered with the model's access guard, so add/pop proceed under it)",
           rounds, WIFSIGNALED(ws) ? "CRASHED with signal" : "child exited with status",
           WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws));
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-v") == 0) t_verbose = 1;
    if (getenv("SEQNN_TEST_VERBOSE")) t_verbose = 1;
    int iterations = 200;
    const char *it = getenv("SEQNN_TEST_ITERS");
    if (it && atoi(it) > 0) iterations = atoi(it);

    test_concurrent_predict(iterations);
    test_independent_models();
    test_busy_during_fit();
    test_thread_errors();
    test_reads_racing_mutations((long)iterations * 1000);

    printf("test_threads: %d passed, %d failed\n", t_passed, t_failed);
    return t_failed == 0 ? 0 : 1;
}
