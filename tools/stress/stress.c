/*
 * stress.c - the concurrency figure of README's Reliability section: THREADS threads for SECONDS seconds
 * mixing predict, get_weight, set_weight, fit, evaluate, save, load and load_weights on two shared models,
 * and every status checked against Include/seqnn.h's Threads rules:
 *
 *   - load (a new model) never fails; save, predict and get_weight (readers) fail only with SEQNN_BUSY, and
 *     only when a long write (fit, evaluate) on the same model was running or started during the call;
 *   - set_weight, load_weights, fit and evaluate return OK or SEQNN_BUSY;
 *   - every file a save wrote loads, and predicts finite values.
 *
 *     stress THREADS SECONDS DIR     (tools/stress/run.sh builds it, also against a ThreadSanitizer build)
 *
 * Prints the calls per kind with their BUSY counts and the violations; exits 1 on any violation.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <seqnn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { SAMPLES = 32, IN = 6, OUT = 3, MODELS = 2 };
enum { PREDICT, GET_WEIGHT, SET_WEIGHT, FIT, EVALUATE, SAVE, LOAD, LOAD_WEIGHTS, KINDS };
static const char *kind_names[KINDS] = {"predict", "get_weight", "set_weight", "fit", "evaluate", "save", "load",
                                        "load_weights"};

typedef struct {
    seqnn_model *model;
    atomic_long long_running;   /* fit/evaluate calls in progress */
    atomic_long long_started;   /* fit/evaluate calls started so far */
    char file[4096];            /* a file of this model's architecture, for load_weights */
} shared_model;

static shared_model models[MODELS];
static float x[SAMPLES * IN], y[SAMPLES * OUT];
static atomic_long calls[KINDS], busy[KINDS], violations;
static atomic_int stop;
static const char *dir;

static void violation(const char *what, int rc) {
    if (atomic_fetch_add(&violations, 1) < 20)
        fprintf(stderr, "stress: VIOLATION %s -> %d (%s): %s\n", what, rc, seqnn_status_string(rc), seqnn_last_error());
}

static seqnn_model *make_model(uint64_t seed) {
    seqnn_model *m = seqnn_model_create(seed);
    if (seqnn_model_add(m, "Dense", "{\"units\": 8, \"activation\": \"tanh\", \"input_dim\": 6}") ||
        seqnn_model_add(m, "Dense", "{\"units\": 3}") || seqnn_model_compile(m, "adam", "mse", "mae")) {
        fprintf(stderr, "stress: building the model failed: %s\n", seqnn_last_error());
        exit(2);
    }
    return m;
}

/* A reader's BUSY is allowed only when a long write ran on the model when it started or began during it. */
static void reader_status(shared_model *s, int kind, int rc, long running_before, long started_before) {
    atomic_fetch_add(&calls[kind], 1);
    if (rc == SEQNN_OK) return;
    if (rc == SEQNN_BUSY) {
        atomic_fetch_add(&busy[kind], 1);
        if (running_before > 0 || atomic_load(&s->long_started) != started_before) return;
    }
    violation(kind_names[kind], rc);
}

static void writer_status(int kind, int rc) {
    atomic_fetch_add(&calls[kind], 1);
    if (rc == SEQNN_BUSY) atomic_fetch_add(&busy[kind], 1);
    else if (rc != SEQNN_OK) violation(kind_names[kind], rc);
}

static uint64_t next(uint64_t *r) {
    *r ^= *r << 13;
    *r ^= *r >> 7;
    *r ^= *r << 17;
    return *r;
}

static void *worker(void *arg) {
    long id = (long)(intptr_t)arg;
    uint64_t r = 0x9E3779B97F4A7C15ull * (uint64_t)(id + 1);
    char path[4200];
    float out[SAMPLES * OUT], w[IN * 8];
    double results[2];
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.batch_size = 8;
    while (!atomic_load(&stop)) {
        shared_model *s = &models[next(&r) % MODELS];
        int kind = (int)(next(&r) % KINDS);
        long running = atomic_load(&s->long_running), started = atomic_load(&s->long_started);
        int rc;
        switch (kind) {
        case PREDICT:
            rc = seqnn_model_predict(s->model, x, SAMPLES * IN, 0, out, SAMPLES * OUT, NULL);
            reader_status(s, kind, rc, running, started);
            if (rc == SEQNN_OK)
                for (int i = 0; i < SAMPLES * OUT; i++)
                    if (!isfinite(out[i])) { violation("predict gave a non-finite value", rc); break; }
            break;
        case GET_WEIGHT:
            reader_status(s, kind, seqnn_model_get_weight(s->model, 0, 0, w, IN * 8, NULL), running, started);
            break;
        case SAVE:
            snprintf(path, sizeof path, "%s/t%ld.%s", dir, id, next(&r) % 2 ? "h5" : "keras");
            rc = seqnn_model_save(s->model, path, NULL);
            reader_status(s, kind, rc, running, started);
            if (rc == SEQNN_OK) {
                seqnn_model *l = NULL;
                int lrc = seqnn_model_load(path, 0, &l);
                if (lrc != SEQNN_OK) violation("loading a file just saved", lrc);
                seqnn_model_free(l);
            }
            break;
        case SET_WEIGHT:
            for (int i = 0; i < IN * 8; i++) w[i] = (float)((next(&r) % 2001) / 1000.0 - 1.0);
            writer_status(kind, seqnn_model_set_weight(s->model, 0, 0, w, IN * 8));
            break;
        case FIT:
        case EVALUATE:
            atomic_fetch_add(&s->long_started, 1);
            atomic_fetch_add(&s->long_running, 1);
            rc = kind == FIT ? seqnn_model_fit(s->model, x, SAMPLES * IN, y, SAMPLES * OUT, &o, NULL)
                             : seqnn_model_evaluate(s->model, x, SAMPLES * IN, y, SAMPLES * OUT, 8, results, 2, NULL);
            atomic_fetch_sub(&s->long_running, 1);
            writer_status(kind, rc);
            break;
        case LOAD: {
            seqnn_model *l = NULL;
            rc = seqnn_model_load(s->file, 0, &l);
            atomic_fetch_add(&calls[kind], 1);
            if (rc != SEQNN_OK) violation("load", rc);
            else if ((rc = seqnn_model_predict(l, x, SAMPLES * IN, 0, out, SAMPLES * OUT, NULL)) != SEQNN_OK)
                violation("predict on a loaded model", rc);
            seqnn_model_free(l);
            break;
        }
        case LOAD_WEIGHTS:
            writer_status(kind, seqnn_model_load_weights(s->model, s->file));
            break;
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: stress THREADS SECONDS DIR\n");
        return 2;
    }
    int threads = atoi(argv[1]);
    double seconds = atof(argv[2]);
    dir = argv[3];
    if (threads < 2) threads = 2;
    for (int i = 0; i < SAMPLES * IN; i++) x[i] = (float)((i * 29) % 97) / 97.0f - 0.5f;
    for (int i = 0; i < SAMPLES * OUT; i++) y[i] = (float)((i * 13) % 11) / 11.0f;
    for (int k = 0; k < MODELS; k++) {
        models[k].model = make_model((uint64_t)k + 1);
        snprintf(models[k].file, sizeof models[k].file, "%s/model%d.h5", dir, k);
        if (seqnn_model_save(models[k].model, models[k].file, NULL) != SEQNN_OK) {
            fprintf(stderr, "stress: save failed: %s\n", seqnn_last_error());
            return 2;
        }
    }
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    for (long t = 0; t < threads; t++) pthread_create(&tids[t], NULL, worker, (void *)(intptr_t)t);
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&ts, NULL);
    atomic_store(&stop, 1);
    for (int t = 0; t < threads; t++) pthread_join(tids[t], NULL);
    free(tids);

    long total = 0;
    printf("stress: %d threads, %.0f s, %d shared models\n", threads, seconds, MODELS);
    for (int k = 0; k < KINDS; k++) {
        printf("  %-13s %8ld calls, %7ld SEQNN_BUSY\n", kind_names[k], atomic_load(&calls[k]), atomic_load(&busy[k]));
        total += atomic_load(&calls[k]);
    }
    for (int k = 0; k < MODELS; k++) {
        float out[SAMPLES * OUT];
        if (seqnn_model_predict(models[k].model, x, SAMPLES * IN, 0, out, SAMPLES * OUT, NULL) != SEQNN_OK)
            violation("predict after the stress", 0);
        seqnn_model_free(models[k].model);
        unlink(models[k].file);
    }
    for (long t = 0; t < threads; t++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/t%ld.h5", dir, t);
        unlink(path);
        snprintf(path, sizeof path, "%s/t%ld.keras", dir, t);
        unlink(path);
    }
    printf("stress: %ld calls, %ld violations of the documented statuses\n", total, atomic_load(&violations));
    return atomic_load(&violations) ? 1 : 0;
}
