/*
 * harness.c - the shared part of the C API tests; see harness.h. Linked into every test program built
 * from Tests/c/test_*.c by Tests/c/run.sh (test_alloc.c keeps its own, since it replaces malloc).
 */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------------------------- */
/* Counters and checks                                                                                  */
/* ---------------------------------------------------------------------------------------------------- */

int t_passed, t_failed, t_verbose;
static const char *t_section = "";

void t_begin(const char *name) {
    t_section = name;
    if (t_verbose) fprintf(stderr, "== %s\n", name);
}

void t_report(int ok, const char *file, int line, const char *fmt, ...) {
    if (ok) {
        t_passed++;
        if (!t_verbose) return;
    } else {
        t_failed++;
    }
    const char *slash = strrchr(file, '/');   /* run.sh compiles absolute paths: print the file's name */
    fprintf(stderr, "%s %s:%d [%s] ", ok ? "ok  " : "FAIL", slash ? slash + 1 : file, line, t_section);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int contains(const char *text, const char *word) { return text != NULL && strstr(text, word) != NULL; }

void t_isolated(const char *file, int line, const char *what, isolated_fn fn, int want) {
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        t_report(0, file, line, "%s: fork failed", what);
        return;
    }
    if (pid == 0) {
        /* the Swift runtime's dying words ("Fatal error: ...", a backtrace) go to /dev/null unless -v;
         * the verdict below goes to the real stderr */
        int keep = dup(2);
        if (!t_verbose) {
            int devnull = open("/dev/null", O_WRONLY);
            if (devnull >= 0) dup2(devnull, 2);
        }
        int rc = fn();
        const char *msg = seqnn_last_error();
        if (rc != SEQNN_OK && (msg == NULL || msg[0] == 0)) rc = 100;   /* failed without a message */
        int bad = want == NO_CRASH ? rc == 100 : want == ANY_FAILURE ? (rc == 0 || rc == 100) : rc != want;
        if (t_verbose || bad)
            dprintf(keep, "      child '%s' -> %d (%s): %s\n", what, rc, rc == 100 ? "no message" : seqnn_status_string(rc),
                    msg ? msg : "");
        _exit(rc & 0xff);
    }
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0) {}
    if (WIFSIGNALED(ws)) {
        t_report(0, file, line, "%s: CRASHED with signal %d (expected %s)", what, WTERMSIG(ws),
                 want == NO_CRASH ? "any status" : want == ANY_FAILURE ? "a failure status with a message" : seqnn_status_string(want));
    } else {
        int rc = WEXITSTATUS(ws);
        int ok = want == NO_CRASH ? rc != 100 : want == ANY_FAILURE ? (rc != 0 && rc != 100) : rc == want;
        t_report(ok, file, line, "%s -> status %d (%s), expected %s", what, rc,
                 rc == 100 ? "failed with an empty message" : seqnn_status_string(rc),
                 want == NO_CRASH ? "any status, no crash" : want == ANY_FAILURE ? "a failure status with a message" : seqnn_status_string(want));
    }
}

/* ---------------------------------------------------------------------------------------------------- */
/* Deterministic data                                                                                   */
/* ---------------------------------------------------------------------------------------------------- */

static uint64_t t_rng = 0x9E3779B97F4A7C15ull;
void t_seed(uint64_t s) { t_rng = s ? s : 1; }
static uint64_t t_next(void) {
    t_rng ^= t_rng >> 12;
    t_rng ^= t_rng << 25;
    t_rng ^= t_rng >> 27;
    return t_rng * 0x2545F4914F6CDD1Dull;
}
float t_uniform(void) { return (float)(t_next() >> 40) / 16777216.0f; }
int t_randint(int n) { return (int)(t_next() % (uint64_t)n); }

float *randn_array(size_t n) {
    float *a = malloc(n * sizeof *a);
    for (size_t i = 0; i < n; i++) a[i] = t_uniform();
    return a;
}

double max_diff(const float *a, const float *b, size_t n) {
    double d = 0;
    for (size_t i = 0; i < n; i++) d = fmax(d, fabs((double)a[i] - (double)b[i]));
    return d;
}

int all_finite(const double *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return 0;
    return 1;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Models and data used throughout                                                                      */
/* ---------------------------------------------------------------------------------------------------- */

seqnn_model *tutorial_json(uint64_t seed) {
    seqnn_model *m = seqnn_model_create(seed);
    if (!m) return NULL;
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 32, \"input_shape\": [784]}"));
    CHECK_OK(seqnn_model_add(m, "Activation", "{\"activation\": \"relu\"}"));
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 10}"));
    CHECK_OK(seqnn_model_add(m, "Activation", "{\"activation\": \"softmax\"}"));
    return m;
}

seqnn_model *tutorial_typed(uint64_t seed) {
    seqnn_model *m = seqnn_model_create(seed);
    if (!m) return NULL;
    int64_t shape[1] = {784};
    CHECK_OK(seqnn_model_set_input(m, shape, 1, 0));
    CHECK_OK(seqnn_model_add_dense(m, 32, NULL));
    CHECK_OK(seqnn_model_add_activation(m, "relu"));
    CHECK_OK(seqnn_model_add_dense(m, 10, NULL));
    CHECK_OK(seqnn_model_add_activation(m, "softmax"));
    return m;
}

seqnn_model *binary_model(uint64_t seed) {
    seqnn_model *m = seqnn_model_create(seed);
    if (!m) return NULL;
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 32, \"activation\": \"relu\", \"input_dim\": 100}"));
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 1, \"activation\": \"sigmoid\"}"));
    return m;
}

seqnn_model *multiclass_model(uint64_t seed) {
    seqnn_model *m = seqnn_model_create(seed);
    if (!m) return NULL;
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 32, \"activation\": \"relu\", \"input_dim\": 100}"));
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 10, \"activation\": \"softmax\"}"));
    return m;
}

int mean_pred(void *user_data, const float *y_true, const float *y_pred, int64_t batch, int64_t pred_dim,
              int64_t true_dim, double *result) {
    metric_state *s = user_data;
    (void)y_true;
    if (s) {
        s->calls++;
        s->batch = batch;
        s->pred_dim = pred_dim;
        s->true_dim = true_dim;
        if (s->fail_after > 0 && s->calls >= s->fail_after) return 7;
    }
    double sum = 0;
    for (int64_t i = 0; i < batch * pred_dim; i++) sum += y_pred[i];
    *result = sum / (double)(batch * pred_dim);
    return 0;
}

float *dummy_x;
float dummy_y_bin[N];
float dummy_y_cls[N];
float dummy_y_onehot[N * 10];

/* The one-hot labels are made here by hand rather than by seqnn_to_categorical, so that every program
 * has them whichever tests it runs (test_train.c checks seqnn_to_categorical gives the same). The draws
 * are in the order the single test_api program made them, so the data is the same as it always was. */
static void make_dummy_data(void) {
    t_seed(1234);
    dummy_x = randn_array((size_t)N * D);
    for (int i = 0; i < N; i++) dummy_y_bin[i] = (float)t_randint(2);
    for (int i = 0; i < N; i++) dummy_y_cls[i] = (float)t_randint(10);
    for (int i = 0; i < N; i++)
        for (int c = 0; c < 10; c++) dummy_y_onehot[i * 10 + c] = c == (int)dummy_y_cls[i] ? 1.0f : 0.0f;
}

int t_run(const char *name, int argc, char **argv, const t_test *tests, size_t count) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-v") == 0) t_verbose = 1;
    if (getenv("SEQNN_TEST_VERBOSE")) t_verbose = 1;
    make_dummy_data();
    for (size_t i = 0; i < count; i++) tests[i]();
    free(dummy_x);
    printf("%s: %d passed, %d failed\n", name, t_passed, t_failed);
    return t_failed == 0 ? 0 : 1;
}
