/*
 * test_api.c - the C ABI of SeqNN (Include/seqnn.h) used as a C program uses it.
 *
 * Use: the Keras Sequential tutorial's models built (JSON configs and typed helpers), compiled the four
 * tutorial ways, trained on the tutorial's dummy data; History, evaluate, predict, train_on_batch,
 * weights, summary, to_categorical, callbacks, the log sink, validation_split; save/load round trip.
 * Misuse: NULL handles and buffers, bad sizes, wrong call order, unknown names, malformed JSON, NaN,
 * small buffers. Each must return its status and a message naming the problem, never crash. Inputs that
 * might crash the library (huge sizes, overflow) run in a forked child so a crash is reported as a test
 * failure instead of ending the run.
 *
 * Build: cc -std=c11 -Wall -Wextra -Werror -IInclude Tests/c/test_api.c -Lbuild -lseqnn -lpthread -lm
 * Run:   ./test_api [-v]        (-v prints every check)
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

/* ---------------------------------------------------------------------------------------------------- */
/* Harness                                                                                              */
/* ---------------------------------------------------------------------------------------------------- */

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
    fprintf(stderr, "%s test_api.c:%d [%s] ", ok ? "ok  " : "FAIL", line, t_section);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

#define CHECK(cond) t_report(!!(cond), __LINE__, "%s", #cond)
#define CHECKF(cond, ...) t_report(!!(cond), __LINE__, __VA_ARGS__)

/* The call returns SEQNN_OK; otherwise print its status and the thread's message. */
#define CHECK_OK(call)                                                                                   \
    do {                                                                                                 \
        int rc_ = (call);                                                                                \
        t_report(rc_ == SEQNN_OK, __LINE__, "%s -> %d (%s) %s", #call, rc_, seqnn_status_string(rc_),   \
                 rc_ == SEQNN_OK ? "" : seqnn_last_error());                                             \
    } while (0)

static int contains(const char *text, const char *word) { return text != NULL && strstr(text, word) != NULL; }

/* The call returns `want` and its message is non-empty and mentions `word`, on the thread
 * (seqnn_last_error) and, for a non-NULL model, on the model (seqnn_model_last_error). */
#define CHECK_FAIL(model, call, want, word)                                                              \
    do {                                                                                                 \
        int rc_ = (call);                                                                                \
        const char *te_ = seqnn_last_error();                                                            \
        t_report(rc_ == (int)(want), __LINE__, "%s -> %d (%s), expected %d (%s); message: %s", #call,    \
                 rc_, seqnn_status_string(rc_), (int)(want), seqnn_status_string(want), te_);            \
        if (rc_ != SEQNN_OK) {                                                                           \
            t_report(te_ && te_[0] && contains(te_, word), __LINE__,                                     \
                     "%s: seqnn_last_error should mention \"%s\": \"%s\"", #call, word, te_);            \
            if (model) {                                                                                 \
                const char *me_ = seqnn_model_last_error(model);                                         \
                t_report(me_ && me_[0] && contains(me_, word), __LINE__,                                 \
                         "%s: seqnn_model_last_error should mention \"%s\": \"%s\"", #call, word, me_);  \
            }                                                                                            \
        }                                                                                                \
    } while (0)

/* Deterministic test data (xorshift64*), independent of the library's generator. */
static uint64_t t_rng = 0x9E3779B97F4A7C15ull;
static void t_seed(uint64_t s) { t_rng = s ? s : 1; }
static uint64_t t_next(void) {
    t_rng ^= t_rng >> 12;
    t_rng ^= t_rng << 25;
    t_rng ^= t_rng >> 27;
    return t_rng * 0x2545F4914F6CDD1Dull;
}
static float t_uniform(void) { return (float)(t_next() >> 40) / 16777216.0f; }
static int t_randint(int n) { return (int)(t_next() % (uint64_t)n); }

static float *randn_array(size_t n) {
    float *a = malloc(n * sizeof *a);
    for (size_t i = 0; i < n; i++) a[i] = t_uniform();
    return a;
}

static double max_diff(const float *a, const float *b, size_t n) {
    double d = 0;
    for (size_t i = 0; i < n; i++) d = fmax(d, fabs((double)a[i] - (double)b[i]));
    return d;
}

static int all_finite(const double *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return 0;
    return 1;
}

/*
 * Runs `fn` in a forked child and checks it neither crashes nor succeeds: the child exits with the
 * status `fn` returns (expected: a failure status with a message), a crash (SIGILL from a Swift trap,
 * SIGSEGV, SIGABRT) is reported with its signal. For inputs that might kill the host process.
 */
typedef int (*isolated_fn)(void);
/* `want` values beyond the statuses: any failure with a message; any status, as long as a failure has a message */
enum { ANY_FAILURE = -1, NO_CRASH = -2 };
static void t_isolated(int line, const char *what, isolated_fn fn, int want) {
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        t_report(0, line, "%s: fork failed", what);
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
        t_report(0, line, "%s: CRASHED with signal %d (expected %s)", what, WTERMSIG(ws),
                 want == NO_CRASH ? "any status" : want == ANY_FAILURE ? "a failure status with a message" : seqnn_status_string(want));
    } else {
        int rc = WEXITSTATUS(ws);
        int ok = want == NO_CRASH ? rc != 100 : want == ANY_FAILURE ? (rc != 0 && rc != 100) : rc == want;
        t_report(ok, line, "%s -> status %d (%s), expected %s", what, rc,
                 rc == 100 ? "failed with an empty message" : seqnn_status_string(rc),
                 want == NO_CRASH ? "any status, no crash" : want == ANY_FAILURE ? "a failure status with a message" : seqnn_status_string(want));
    }
}
#define CHECK_ISOLATED(fn, want) t_isolated(__LINE__, #fn, fn, want)

/* ---------------------------------------------------------------------------------------------------- */
/* Models used throughout                                                                               */
/* ---------------------------------------------------------------------------------------------------- */

/* The tutorial's list form through JSON configs:
 * Dense(32, input_shape=(784,)) -> Activation('relu') -> Dense(10) -> Activation('softmax'). */
static seqnn_model *tutorial_json(uint64_t seed) {
    seqnn_model *m = seqnn_model_create(seed);
    if (!m) return NULL;
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 32, \"input_shape\": [784]}"));
    CHECK_OK(seqnn_model_add(m, "Activation", "{\"activation\": \"relu\"}"));
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 10}"));
    CHECK_OK(seqnn_model_add(m, "Activation", "{\"activation\": \"softmax\"}"));
    return m;
}

/* The same model through the typed helpers. */
static seqnn_model *tutorial_typed(uint64_t seed) {
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

/* Dense(32, relu, input_dim=100) -> Dense(1, sigmoid): the tutorial's binary classifier. */
static seqnn_model *binary_model(uint64_t seed) {
    seqnn_model *m = seqnn_model_create(seed);
    if (!m) return NULL;
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 32, \"activation\": \"relu\", \"input_dim\": 100}"));
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 1, \"activation\": \"sigmoid\"}"));
    return m;
}

/* Dense(32, relu, input_dim=100) -> Dense(10, softmax): the tutorial's 10-class classifier. */
static seqnn_model *multiclass_model(uint64_t seed) {
    seqnn_model *m = seqnn_model_create(seed);
    if (!m) return NULL;
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 32, \"activation\": \"relu\", \"input_dim\": 100}"));
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 10, \"activation\": \"softmax\"}"));
    return m;
}

/* The tutorial's custom metric: def mean_pred(y_true, y_pred): return K.mean(y_pred). Records what
 * it was called with. */
typedef struct {
    int calls;
    int64_t batch, pred_dim, true_dim;
    int fail_after;   /* > 0: return non-zero from this call on */
} metric_state;

static int mean_pred(void *user_data, const float *y_true, const float *y_pred, int64_t batch, int64_t pred_dim,
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

/* The tutorial's dummy data: 1000 samples of 100 random features; labels 0/1 or 0..9. */
enum { N = 1000, D = 100 };
static float *dummy_x;
static float dummy_y_bin[N];
static float dummy_y_cls[N];
static float dummy_y_onehot[N * 10];

static void make_dummy_data(void) {
    t_seed(1234);
    dummy_x = randn_array((size_t)N * D);
    for (int i = 0; i < N; i++) dummy_y_bin[i] = (float)t_randint(2);
    for (int i = 0; i < N; i++) dummy_y_cls[i] = (float)t_randint(10);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Use                                                                                                  */
/* ---------------------------------------------------------------------------------------------------- */

static void test_library_facts(void) {
    t_begin("library facts");
    const char *v = seqnn_version();
    int a = -1, b = -1, c = -1;
    CHECK(v != NULL && sscanf(v, "%d.%d.%d", &a, &b, &c) == 3 && a >= 0 && b >= 0 && c >= 0);
    CHECK(seqnn_abi_version() == SEQNN_ABI_VERSION);
    CHECK(strcmp(seqnn_status_string(SEQNN_OK), "ok") == 0);
    for (int s = 1; s <= SEQNN_INTERNAL_ERROR; s++) {
        const char *t = seqnn_status_string(s);
        CHECKF(t && t[0] && strcmp(t, "unknown status") != 0, "status_string(%d) = \"%s\"", s, t ? t : "(null)");
        for (int u = 0; u < s; u++) CHECKF(strcmp(t, seqnn_status_string(u)) != 0, "status %d and %d share text", s, u);
    }
    CHECK(strcmp(seqnn_status_string(-1), "unknown status") == 0);
    CHECK(strcmp(seqnn_status_string(14), "unknown status") == 0);
    CHECK(strcmp(seqnn_status_string(1 << 30), "unknown status") == 0);
    CHECK(contains(seqnn_status_string(SEQNN_BUSY), "busy"));
    CHECK_OK(seqnn_set_num_threads(1));
}

/* With no thread variable in the environment, loading OpenBLAS starts no worker threads (they spin in
 * sched_yield while idle): the process has as many threads after the first product as before. Run in a
 * child process, before this process loads OpenBLAS. */
static int thread_count(void) {
    int n = -1;
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &n) == 1) break;
    if (f) fclose(f);
    return n;
}

static void test_default_single_thread(void) {
    t_begin("OpenBLAS loads single-threaded by default");
    pid_t pid = fork();
    if (pid == 0) {
        unsetenv("OPENBLAS_NUM_THREADS"); unsetenv("GOTO_NUM_THREADS"); unsetenv("OMP_NUM_THREADS");
        int before = thread_count();
        const char *core = seqnn_blas_core();   /* loads OpenBLAS */
        int after = thread_count();
        _exit(before > 0 && after == before ? 0 : (strcmp(core, "reference") == 0 ? 0 : 1));
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_tutorial_build(void) {
    t_begin("tutorial models built");
    seqnn_model *m = tutorial_json(1);
    CHECK(m != NULL);
    if (!m) return;
    CHECK(seqnn_model_layer_count(m) == 4);
    const char *names[4] = {"dense", "activation", "dense_1", "activation_1"};
    const char *classes[4] = {"Dense", "Activation", "Dense", "Activation"};
    for (size_t i = 0; i < 4; i++) {
        const char *n = seqnn_model_layer_name(m, i), *c = seqnn_model_layer_class(m, i);
        CHECKF(n && strcmp(n, names[i]) == 0, "layer %zu name \"%s\", expected \"%s\"", i, n ? n : "(null)", names[i]);
        CHECKF(c && strcmp(c, classes[i]) == 0, "layer %zu class \"%s\", expected \"%s\"", i, c ? c : "(null)", classes[i]);
    }
    CHECK(seqnn_model_layer_name(m, 4) == NULL);
    CHECK(seqnn_model_layer_class(m, (size_t)-1) == NULL);
    size_t in = 0, out = 0, total = 0, trainable = 0;
    CHECK_OK(seqnn_model_input_size(m, &in));
    CHECK_OK(seqnn_model_output_size(m, &out));
    CHECK(in == 784 && out == 10);
    CHECK_OK(seqnn_model_count_params(m, &total, &trainable));
    CHECKF(total == 25450 && trainable == 25450, "params %zu / %zu, expected 25450", total, trainable);

    /* summary: the table, its sizes, and the buffer protocol */
    char buf[4096];
    size_t len = 0;
    CHECK_OK(seqnn_model_summary(m, buf, sizeof buf, &len));
    CHECK(len == strlen(buf));
    CHECK(contains(buf, "dense (Dense)"));
    CHECK(contains(buf, "(None, 32)"));
    CHECK(contains(buf, "(None, 10)"));
    CHECK(contains(buf, "25120"));   /* 784 * 32 + 32 */
    CHECK(contains(buf, "330"));     /* 32 * 10 + 10 */
    CHECKF(contains(buf, "Total params: 25450") || contains(buf, "Total params: 25,450"), "summary:\n%s", buf);
    CHECK(contains(buf, "Trainable params: 25450") || contains(buf, "Trainable params: 25,450"));
    CHECK(contains(buf, "Non-trainable params: 0"));
    if (t_verbose) fprintf(stderr, "%s", buf);
    size_t need = 0;
    CHECK_FAIL(m, seqnn_model_summary(m, buf, 10, &need), SEQNN_BUFFER_TOO_SMALL, "needed");
    CHECK(need == len);
    need = 0;
    CHECK_FAIL(m, seqnn_model_summary(m, NULL, 0, &need), SEQNN_BUFFER_TOO_SMALL, "needed");
    CHECK(need == len);
    CHECK_FAIL(m, seqnn_model_summary(m, buf, len, &need), SEQNN_BUFFER_TOO_SMALL, "NUL");   /* no room for NUL */
    char *exact = malloc(len + 1);
    CHECK_OK(seqnn_model_summary(m, exact, len + 1, NULL));
    CHECK(strcmp(exact, buf) == 0);
    free(exact);

    /* the typed helpers give the same model, and the same seed gives the same weights */
    seqnn_model *t = tutorial_typed(1);
    CHECK(t != NULL);
    if (t) {
        CHECK(seqnn_model_layer_count(t) == 4);
        CHECK_OK(seqnn_model_count_params(t, &total, &trainable));
        CHECK(total == 25450 && trainable == 25450);
        for (size_t i = 0; i < 4; i++)
            CHECK(strcmp(seqnn_model_layer_class(t, i), classes[i]) == 0 && strcmp(seqnn_model_layer_name(t, i), names[i]) == 0);
    }
    seqnn_model *m2 = tutorial_json(1);
    static float w1[784 * 32], w2[784 * 32];
    CHECK_OK(seqnn_model_get_weight(m, 0, 0, w1, 784 * 32, NULL));
    CHECK_OK(seqnn_model_get_weight(m2, 0, 0, w2, 784 * 32, NULL));
    CHECK(memcmp(w1, w2, sizeof w1) == 0);
    seqnn_model *m3 = tutorial_json(2);
    CHECK_OK(seqnn_model_get_weight(m3, 0, 0, w2, 784 * 32, NULL));
    CHECK(memcmp(w1, w2, sizeof w1) != 0);
    /* glorot_uniform: limit sqrt(6 / (784 + 32)) */
    float lim = sqrtf(6.0f / (784 + 32)), mx = 0;
    for (size_t i = 0; i < 784 * 32; i++) mx = fmaxf(mx, fabsf(w1[i]));
    CHECKF(mx <= lim && mx > 0.9f * lim, "glorot max |w| %g, limit %g", mx, lim);
    float bias[32];
    CHECK_OK(seqnn_model_get_weight(m, 0, 1, bias, 32, NULL));
    int zero = 1;
    for (int i = 0; i < 32; i++) zero &= bias[i] == 0.0f;
    CHECK(zero);

    /* add_dense before the input shape, then set_input builds it */
    seqnn_model *late = seqnn_model_create(3);
    CHECK_OK(seqnn_model_add_dense(late, 32, "relu"));
    CHECK_OK(seqnn_model_add_dense(late, 10, "softmax"));
    size_t sz = 0;
    CHECK_FAIL(late, seqnn_model_input_size(late, &sz), SEQNN_NOT_BUILT, "input shape");
    int64_t shape[1] = {784};
    CHECK_OK(seqnn_model_set_input(late, shape, 1, 0));
    CHECK_OK(seqnn_model_count_params(late, &total, &trainable));
    CHECK(total == 25450);

    /* pop removes the last layer */
    CHECK_OK(seqnn_model_pop(late));
    CHECK(seqnn_model_layer_count(late) == 1);
    CHECK_OK(seqnn_model_output_size(late, &sz));
    CHECK(sz == 32);

    seqnn_model_free(late);
    seqnn_model_free(m3);
    seqnn_model_free(m2);
    seqnn_model_free(t);
    seqnn_model_free(m);
}

static void test_input_forms(void) {
    t_begin("input_dim / input_length / batch_size");
    char buf[4096];
    size_t sz = 0;

    seqnn_model *m = seqnn_model_create(1);   /* Dense(32, input_dim=784) */
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 32, \"input_dim\": 784}"));
    CHECK_OK(seqnn_model_input_size(m, &sz));
    CHECK(sz == 784);
    seqnn_model_free(m);

    m = seqnn_model_create(1);   /* input_length=6, input_dim=8: input (None, 6, 8) */
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 32, \"input_dim\": 8, \"input_length\": 6}"));
    CHECK_OK(seqnn_model_input_size(m, &sz));
    CHECK(sz == 48);
    CHECK_OK(seqnn_model_output_size(m, &sz));
    CHECK(sz == 6 * 32);
    CHECK_OK(seqnn_model_summary(m, buf, sizeof buf, NULL));
    CHECKF(contains(buf, "(None, 6, 32)"), "summary:\n%s", buf);
    seqnn_model_free(m);

    /* batch_size=32 with input_shape=(6, 8): batch input shape (32, 6, 8) */
    m = seqnn_model_create(1);
    CHECK_OK(seqnn_model_add(m, "Activation", "{\"activation\": \"linear\", \"batch_size\": 32, \"input_shape\": [6, 8]}"));
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 32}"));
    CHECK_OK(seqnn_model_summary(m, buf, sizeof buf, NULL));
    CHECKF(contains(buf, "(32, 6, 8)"), "summary lacks (32, 6, 8):\n%s", buf);
    CHECKF(contains(buf, "(32, 6, 32)"), "summary lacks (32, 6, 32):\n%s", buf);
    seqnn_model_free(m);

    m = seqnn_model_create(1);   /* the tutorial's own form on a Dense */
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 32, \"batch_size\": 32, \"input_shape\": [6, 8]}"));
    CHECK_OK(seqnn_model_summary(m, buf, sizeof buf, NULL));
    CHECKF(contains(buf, "(32, 6, 32)"), "summary:\n%s", buf);
    seqnn_model_free(m);

    m = seqnn_model_create(1);   /* batch_input_shape and the typed set_input */
    CHECK_OK(seqnn_model_add(m, "InputLayer", "{\"batch_input_shape\": [32, 6, 8]}"));
    CHECK_OK(seqnn_model_add_activation(m, "tanh"));
    CHECK(seqnn_model_layer_count(m) == 1);   /* the InputLayer is not listed */
    CHECK_OK(seqnn_model_summary(m, buf, sizeof buf, NULL));
    CHECKF(contains(buf, "(32, 6, 8)"), "summary:\n%s", buf);
    seqnn_model_free(m);

    m = seqnn_model_create(1);
    int64_t shape[2] = {6, 8};
    CHECK_OK(seqnn_model_set_input(m, shape, 2, 32));
    CHECK_OK(seqnn_model_add_dropout(m, 0.5f));
    CHECK_OK(seqnn_model_summary(m, buf, sizeof buf, NULL));
    CHECKF(contains(buf, "(32, 6, 8)"), "summary:\n%s", buf);
    /* fit with batch_size 0 uses the fixed 32: 64 samples -> 2 steps in the progress bar */
    CHECK_OK(seqnn_model_add(m, "Flatten", NULL));
    CHECK_OK(seqnn_model_add_dense(m, 1, NULL));
    CHECK_OK(seqnn_model_compile(m, "sgd", "mse", NULL));
    seqnn_model_free(m);
}

static void test_compile_variants(void) {
    t_begin("compile: the four tutorial variants");
    size_t count = 0;

    seqnn_model *m = tutorial_json(1);   /* multi-class */
    CHECK_OK(seqnn_model_compile(m, "rmsprop", "categorical_crossentropy", "accuracy"));
    CHECK_OK(seqnn_model_metric_count(m, &count));
    CHECK(count == 2);
    CHECK(seqnn_model_metric_name(m, 0) && strcmp(seqnn_model_metric_name(m, 0), "loss") == 0);
    CHECK(seqnn_model_metric_name(m, 1) && strcmp(seqnn_model_metric_name(m, 1), "accuracy") == 0);
    CHECK(seqnn_model_metric_name(m, 2) == NULL);
    /* compile again (JSON forms) replaces the first */
    CHECK_OK(seqnn_model_compile(m, "{\"class_name\": \"RMSprop\", \"config\": {\"learning_rate\": 0.01}}",
                                 "{\"class_name\": \"CategoricalCrossentropy\", \"config\": {}}", "[\"accuracy\", \"mse\"]"));
    CHECK_OK(seqnn_model_metric_count(m, &count));
    CHECK(count == 3);
    CHECK_OK(seqnn_model_compile(m, NULL, "categorical_crossentropy", NULL));   /* NULL optimizer = rmsprop */
    CHECK_OK(seqnn_model_metric_count(m, &count));
    CHECK(count == 1);
    seqnn_model_free(m);

    m = binary_model(1);   /* binary */
    CHECK_OK(seqnn_model_compile(m, "rmsprop", "binary_crossentropy", "accuracy"));
    CHECK_OK(seqnn_model_metric_count(m, &count));
    CHECK(count == 2);
    seqnn_model_free(m);

    m = binary_model(1);   /* regression */
    CHECK_OK(seqnn_model_compile(m, "rmsprop", "mse", NULL));
    CHECK_OK(seqnn_model_metric_count(m, &count));
    CHECK(count == 1 && strcmp(seqnn_model_metric_name(m, 0), "loss") == 0);
    seqnn_model_free(m);

    m = binary_model(1);   /* custom metric */
    metric_state st = {0};
    CHECK_OK(seqnn_model_add_metric(m, "mean_pred", mean_pred, &st));
    CHECK_OK(seqnn_model_compile(m, "rmsprop", "binary_crossentropy", "accuracy,mean_pred"));
    CHECK_OK(seqnn_model_metric_count(m, &count));
    CHECK(count == 3);
    CHECK(strcmp(seqnn_model_metric_name(m, 1), "accuracy") == 0);
    CHECK(strcmp(seqnn_model_metric_name(m, 2), "mean_pred") == 0);
    /* listed first, it comes first; not listed, it comes after the listed ones */
    CHECK_OK(seqnn_model_compile(m, "rmsprop", "binary_crossentropy", "mean_pred, accuracy"));
    CHECK(strcmp(seqnn_model_metric_name(m, 1), "mean_pred") == 0);
    CHECK_OK(seqnn_model_compile(m, "rmsprop", "binary_crossentropy", "accuracy"));
    CHECK(strcmp(seqnn_model_metric_name(m, 2), "mean_pred") == 0);

    /* evaluate reports mean_pred = mean of predict's outputs (batches of equal size) */
    CHECK_OK(seqnn_model_compile(m, "rmsprop", "binary_crossentropy", "accuracy,mean_pred"));
    double r[3] = {0};
    size_t got = 0;
    CHECK_OK(seqnn_model_evaluate(m, dummy_x, (size_t)N * D, dummy_y_bin, N, 100, r, 3, &got));
    CHECK(got == 3);
    float *p = malloc(N * sizeof *p);
    CHECK_OK(seqnn_model_predict(m, dummy_x, (size_t)N * D, 0, p, N, NULL));
    double mean = 0, acc = 0;
    for (int i = 0; i < N; i++) {
        mean += p[i];
        acc += ((p[i] > 0.5f) ? 1.0f : 0.0f) == dummy_y_bin[i];
    }
    mean /= N;
    acc /= N;
    CHECKF(fabs(r[2] - mean) < 1e-5, "mean_pred %.7f, mean of predict %.7f", r[2], mean);
    CHECKF(fabs(r[1] - acc) < 1e-9, "accuracy %.7f, by hand %.7f", r[1], acc);
    CHECKF(st.calls == 10 && st.batch == 100 && st.pred_dim == 1 && st.true_dim == 1,
           "metric called %d times, batch %lld, pred_dim %lld, true_dim %lld", st.calls, (long long)st.batch,
           (long long)st.pred_dim, (long long)st.true_dim);
    /* by hand: binary crossentropy with Keras's clipping */
    double loss = 0;
    for (int i = 0; i < N; i++) {
        double q = fmin(fmax(p[i], 1e-7), 1 - 1e-7);
        loss += -(dummy_y_bin[i] * log(q) + (1 - dummy_y_bin[i]) * log(1 - q));
    }
    loss /= N;
    CHECKF(fabs(r[0] - loss) < 1e-4, "evaluate loss %.7f, by hand %.7f", r[0], loss);
    free(p);
    seqnn_model_free(m);
}

typedef struct {
    char *text;
    size_t len, cap;
    int calls;
} log_buffer;

static void log_sink(void *user_data, const char *text) {
    log_buffer *b = user_data;
    size_t n = strlen(text);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->text = realloc(b->text, b->cap);
    }
    memcpy(b->text + b->len, text, n + 1);
    b->len += n;
    b->calls++;
}

static void test_binary_fit(void) {
    t_begin("tutorial: binary classification fit");
    seqnn_model *m = binary_model(7);
    CHECK_OK(seqnn_model_compile(m, "rmsprop", "binary_crossentropy", "accuracy"));
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    CHECK(o.struct_size == sizeof o && o.epochs == 1 && o.batch_size == 0 && o.shuffle == 1 && o.verbose == 1);
    CHECK(o.validation_split == 0 && o.log == NULL && o.on_epoch_end == NULL && o.sample_weight == NULL);
    o.epochs = 10;
    o.batch_size = 32;
    log_buffer lb = {0};
    o.log = log_sink;
    o.log_user_data = &lb;
    seqnn_history *h = NULL;
    CHECK_OK(seqnn_model_fit(m, dummy_x, (size_t)N * D, dummy_y_bin, N, &o, &h));
    CHECK(h != NULL);
    CHECK(seqnn_history_epochs(h) == 10);
    CHECK(seqnn_history_key_count(h) == 2);
    CHECK(seqnn_history_key(h, 0) && strcmp(seqnn_history_key(h, 0), "loss") == 0);
    CHECK(seqnn_history_key(h, 1) && strcmp(seqnn_history_key(h, 1), "accuracy") == 0);
    CHECK(seqnn_history_key(h, 2) == NULL);
    double loss[10] = {0}, acc[10] = {0};
    size_t count = 0;
    CHECK_OK(seqnn_history_get(h, "loss", loss, 10, &count));
    CHECK(count == 10);
    CHECK_OK(seqnn_history_get(h, "accuracy", acc, 10, NULL));
    CHECK(all_finite(loss, 10) && all_finite(acc, 10));
    CHECKF(loss[9] < loss[0], "loss did not fall: %.4f -> %.4f", loss[0], loss[9]);
    CHECKF(loss[0] > 0.5 && loss[0] < 1.0, "first loss %.4f (random labels: about log 2)", loss[0]);
    int in_range = 1;
    for (int i = 0; i < 10; i++) in_range &= acc[i] >= 0 && acc[i] <= 1;
    CHECK(in_range);
    /* the progress bar went to the sink */
    CHECK(lb.text != NULL && lb.calls > 0);
    CHECKF(contains(lb.text, "Epoch 1/10"), "log: %.200s", lb.text ? lb.text : "");
    CHECK(contains(lb.text, "Epoch 10/10"));
    CHECK(contains(lb.text, "loss:"));
    CHECK(contains(lb.text, "accuracy:"));
    CHECK(contains(lb.text, "32/32"));   /* ceil(1000 / 32) = 32 steps */
    free(lb.text);

    /* evaluate after training */
    double r[2];
    CHECK_OK(seqnn_model_evaluate(m, dummy_x, (size_t)N * D, dummy_y_bin, N, 0, r, 2, &count));
    CHECK(count == 2 && isfinite(r[0]) && r[1] >= 0 && r[1] <= 1);
    CHECKF(r[0] < loss[0], "evaluate loss %.4f vs first epoch %.4f", r[0], loss[0]);
    seqnn_history_free(h);

    /* verbose 2: one line per epoch */
    lb = (log_buffer){0};
    o.epochs = 2;
    o.verbose = 2;
    CHECK_OK(seqnn_model_fit(m, dummy_x, (size_t)N * D, dummy_y_bin, N, &o, NULL));
    CHECK(lb.calls == 2 && contains(lb.text, "loss:") && !contains(lb.text, "\r"));
    free(lb.text);

    /* verbose 1 without a sink, verbose 0 with one: no text, no crash */
    lb = (log_buffer){0};
    o.verbose = 0;
    CHECK_OK(seqnn_model_fit(m, dummy_x, (size_t)N * D, dummy_y_bin, N, &o, NULL));
    CHECK(lb.calls == 0);
    o.verbose = 1;
    o.log = NULL;
    CHECK_OK(seqnn_model_fit(m, dummy_x, (size_t)N * D, dummy_y_bin, N, &o, NULL));
    CHECK_OK(seqnn_model_fit(m, dummy_x, (size_t)N * D, dummy_y_bin, N, NULL, NULL));   /* NULL options */
    seqnn_model_free(m);
}

static void test_multiclass_fit(void) {
    t_begin("tutorial: 10-class fit with to_categorical");
    size_t len = 0;
    int64_t classes = 0;
    CHECK_OK(seqnn_to_categorical(dummy_y_cls, N, 10, dummy_y_onehot, N * 10, &len, &classes));
    CHECK(len == N * 10 && classes == 10);
    int ok = 1;
    for (int i = 0; i < N; i++)
        for (int c = 0; c < 10; c++) ok &= dummy_y_onehot[i * 10 + c] == (c == (int)dummy_y_cls[i] ? 1.0f : 0.0f);
    CHECK(ok);

    seqnn_model *m = multiclass_model(11);
    CHECK_OK(seqnn_model_compile(m, "rmsprop", "categorical_crossentropy", "accuracy"));
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.epochs = 10;
    o.batch_size = 32;
    o.verbose = 0;
    seqnn_history *h = NULL;
    CHECK_OK(seqnn_model_fit(m, dummy_x, (size_t)N * D, dummy_y_onehot, N * 10, &o, &h));
    double loss[10];
    size_t count = 0;
    CHECK_OK(seqnn_history_get(h, "loss", loss, 10, &count));
    CHECK(count == 10 && all_finite(loss, 10));
    CHECKF(loss[9] < loss[0], "loss %.4f -> %.4f", loss[0], loss[9]);
    CHECKF(loss[0] > 2.0 && loss[0] < 2.8, "first loss %.4f (about log 10)", loss[0]);
    seqnn_history_free(h);

    /* evaluate = by-hand crossentropy and accuracy over predict's output */
    double r[2];
    CHECK_OK(seqnn_model_evaluate(m, dummy_x, (size_t)N * D, dummy_y_onehot, N * 10, 50, r, 2, &count));
    float *p = malloc((size_t)N * 10 * sizeof *p);
    CHECK_OK(seqnn_model_predict(m, dummy_x, (size_t)N * D, 0, p, (size_t)N * 10, &len));
    CHECK(len == (size_t)N * 10);
    double ce = 0, acc = 0;
    for (int i = 0; i < N; i++) {
        int best = 0;
        double sum = 0;
        for (int c = 0; c < 10; c++) {
            if (p[i * 10 + c] > p[i * 10 + best]) best = c;
            sum += p[i * 10 + c];
        }
        CHECKF(fabs(sum - 1) < 1e-5, "softmax row %d sums to %.7f", i, sum);
        acc += best == (int)dummy_y_cls[i];
        ce -= log(fmax(p[i * 10 + (int)dummy_y_cls[i]], 1e-7));
    }
    CHECKF(fabs(r[0] - ce / N) < 1e-4, "evaluate loss %.6f, by hand %.6f", r[0], ce / N);
    CHECKF(fabs(r[1] - acc / N) < 1e-9, "evaluate accuracy %.6f, by hand %.6f", r[1], acc / N);

    /* the same labels with sparse_categorical_crossentropy: same loss, 'accuracy' becomes sparse */
    CHECK_OK(seqnn_model_compile(m, "rmsprop", "sparse_categorical_crossentropy", "accuracy"));
    double rs[2];
    CHECK_OK(seqnn_model_evaluate(m, dummy_x, (size_t)N * D, dummy_y_cls, N, 50, rs, 2, &count));
    CHECKF(fabs(rs[0] - r[0]) < 1e-5 && fabs(rs[1] - r[1]) < 1e-12, "sparse %.6f/%.4f vs one-hot %.6f/%.4f", rs[0],
           rs[1], r[0], r[1]);
    free(p);
    seqnn_model_free(m);
}

static void test_predict(void) {
    t_begin("predict: batch sizes");
    seqnn_model *m = multiclass_model(5);   /* not compiled: a built model predicts */
    enum { S = 103 };
    size_t nout = (size_t)S * 10, len = 0;
    float *p1 = malloc(nout * sizeof(float)), *p7 = malloc(nout * sizeof(float)), *p0 = malloc(nout * sizeof(float));
    float *pbig = malloc(nout * sizeof(float));
    CHECK_OK(seqnn_model_predict(m, dummy_x, (size_t)S * D, 1, p1, nout, &len));
    CHECK(len == nout);
    CHECK_OK(seqnn_model_predict(m, dummy_x, (size_t)S * D, 7, p7, nout, &len));   /* 7 does not divide 103 */
    CHECK_OK(seqnn_model_predict(m, dummy_x, (size_t)S * D, 0, p0, nout, NULL));
    CHECK_OK(seqnn_model_predict(m, dummy_x, (size_t)S * D, 1000, pbig, nout, NULL));
    /* The header promises bit-identical results for one batch size and float-rounding agreement across
     * batch sizes (OpenBLAS chooses its kernels by matrix size). */
    float *p7b = malloc(nout * sizeof(float));
    CHECK_OK(seqnn_model_predict(m, dummy_x, (size_t)S * D, 7, p7b, nout, NULL));
    CHECKF(memcmp(p7, p7b, nout * sizeof(float)) == 0, "batch 7 twice: max |diff| %g", max_diff(p7, p7b, nout));
    free(p7b);
    /* whatever the bitwise verdict, the results agree to float rounding */
    CHECK(max_diff(p1, p7, nout) < 1e-6 && max_diff(p1, p0, nout) < 1e-6 && max_diff(p1, pbig, nout) < 1e-6);
    /* a bigger buffer is fine; only the needed part is written */
    float *wide = malloc((nout + 5) * sizeof(float));
    for (size_t i = 0; i < nout + 5; i++) wide[i] = -42.0f;
    CHECK_OK(seqnn_model_predict(m, dummy_x, (size_t)S * D, 32, wide, nout + 5, &len));
    CHECK(len == nout && max_diff(wide, p0, nout) < 1e-6 && wide[nout] == -42.0f && wide[nout + 4] == -42.0f);
    /* one sample */
    float one[10];
    CHECK_OK(seqnn_model_predict(m, dummy_x + 5 * D, D, 0, one, 10, NULL));
    CHECK(memcmp(one, p1 + 50, sizeof one) == 0);
    free(wide);
    free(p1);
    free(p7);
    free(p0);
    free(pbig);
    seqnn_model_free(m);
}

static void test_train_on_batch(void) {
    t_begin("train_on_batch");
    seqnn_model *m = multiclass_model(3);
    CHECK_OK(seqnn_model_compile(m, "rmsprop", "categorical_crossentropy", "accuracy"));
    double r1[2] = {0}, r2[2] = {0}, e[2] = {0};
    size_t count = 0;
    /* results are computed before the update: they equal evaluate on the same batch */
    CHECK_OK(seqnn_model_evaluate(m, dummy_x, 32 * D, dummy_y_onehot, 32 * 10, 32, e, 2, NULL));
    CHECK_OK(seqnn_model_train_on_batch(m, dummy_x, 32 * D, dummy_y_onehot, 32 * 10, r1, 2, &count));
    CHECK(count == 2 && isfinite(r1[0]) && r1[1] >= 0 && r1[1] <= 1);
    CHECKF(fabs(r1[0] - e[0]) < 1e-5, "train_on_batch loss %.6f, evaluate before %.6f", r1[0], e[0]);
    CHECK_OK(seqnn_model_train_on_batch(m, dummy_x, 32 * D, dummy_y_onehot, 32 * 10, r2, 2, NULL));
    CHECKF(r2[0] < r1[0], "second step loss %.5f not below first %.5f", r2[0], r1[0]);
    /* weights changed */
    float before[10], after[10];
    CHECK_OK(seqnn_model_get_weight(m, 1, 1, before, 10, NULL));
    CHECK_OK(seqnn_model_train_on_batch(m, dummy_x, 32 * D, dummy_y_onehot, 32 * 10, r2, 2, NULL));
    CHECK_OK(seqnn_model_get_weight(m, 1, 1, after, 10, NULL));
    CHECK(memcmp(before, after, sizeof before) != 0);
    seqnn_model_free(m);
}

static void test_weights(void) {
    t_begin("weights: get/set round trip, identity by hand");
    seqnn_model *m = tutorial_json(1);
    size_t count = 0, ndim = 0, len = 0;
    int64_t shape[4] = {0};
    CHECK_OK(seqnn_model_weight_count(m, 0, &count));
    CHECK(count == 2);
    CHECK_OK(seqnn_model_weight_count(m, 1, &count));
    CHECK(count == 0);
    CHECK_OK(seqnn_model_weight_shape(m, 0, 0, shape, 4, &ndim));
    CHECK(ndim == 2 && shape[0] == 784 && shape[1] == 32);
    CHECK_OK(seqnn_model_weight_shape(m, 0, 1, shape, 4, &ndim));
    CHECK(ndim == 1 && shape[0] == 32);
    CHECK_OK(seqnn_model_weight_shape(m, 2, 0, shape, 2, &ndim));
    CHECK(ndim == 2 && shape[0] == 32 && shape[1] == 10);

    /* copy every weight of one model into another with other initial weights: same predictions */
    seqnn_model *other = tutorial_json(99);
    float *pa = malloc(20 * 10 * sizeof(float)), *pb = malloc(20 * 10 * sizeof(float));
    float *x = randn_array(20 * 784);
    CHECK_OK(seqnn_model_predict(m, x, 20 * 784, 0, pa, 200, NULL));
    CHECK_OK(seqnn_model_predict(other, x, 20 * 784, 0, pb, 200, NULL));
    CHECK(memcmp(pa, pb, 200 * sizeof(float)) != 0);
    static float buf[784 * 32];
    size_t layers[2] = {0, 2};
    for (int l = 0; l < 2; l++)
        for (size_t w = 0; w < 2; w++) {
            CHECK_OK(seqnn_model_get_weight(m, layers[l], w, buf, 784 * 32, &len));
            CHECK_OK(seqnn_model_set_weight(other, layers[l], w, buf, len));
        }
    CHECK_OK(seqnn_model_predict(other, x, 20 * 784, 0, pb, 200, NULL));
    CHECK(memcmp(pa, pb, 200 * sizeof(float)) == 0);
    /* zero last Dense: the softmax of zeros is uniform */
    static float zeros[320];
    CHECK_OK(seqnn_model_set_weight(other, 2, 0, zeros, 320));
    CHECK_OK(seqnn_model_set_weight(other, 2, 1, zeros, 10));
    CHECK_OK(seqnn_model_predict(other, x, 20 * 784, 0, pb, 200, NULL));
    int uniform = 1;
    for (int i = 0; i < 200; i++) uniform &= fabsf(pb[i] - 0.1f) < 1e-6f;
    CHECK(uniform);
    free(x);
    free(pa);
    free(pb);
    seqnn_model_free(other);

    /* Dense(4) with identity kernel and a bias: y = x + b, by hand; then relu */
    seqnn_model *id = seqnn_model_create(5);
    int64_t in[1] = {4};
    CHECK_OK(seqnn_model_set_input(id, in, 1, 0));
    CHECK_OK(seqnn_model_add_dense(id, 4, NULL));
    CHECK_OK(seqnn_model_add_dense(id, 4, "relu"));
    float eye[16] = {0}, b0[4] = {0.5f, -1.0f, 2.0f, 0.0f}, b1[4] = {0};
    for (int i = 0; i < 4; i++) eye[i * 4 + i] = 1.0f;
    CHECK_OK(seqnn_model_set_weight(id, 0, 0, eye, 16));
    CHECK_OK(seqnn_model_set_weight(id, 0, 1, b0, 4));
    CHECK_OK(seqnn_model_set_weight(id, 1, 0, eye, 16));
    CHECK_OK(seqnn_model_set_weight(id, 1, 1, b1, 4));
    float xi[8] = {1, 2, 3, 4, -5, 0.25f, -3, 0}, yo[8];
    CHECK_OK(seqnn_model_predict(id, xi, 8, 0, yo, 8, &len));
    CHECK(len == 8);
    int exact = 1;
    for (int s = 0; s < 2; s++)
        for (int j = 0; j < 4; j++) {
            float want = fmaxf(xi[s * 4 + j] + b0[j], 0.0f);
            exact &= fabsf(yo[s * 4 + j] - want) < 1e-6f;
        }
    CHECKF(exact, "identity: got %g %g %g %g | %g %g %g %g", yo[0], yo[1], yo[2], yo[3], yo[4], yo[5], yo[6], yo[7]);
    /* a permutation kernel moves the values */
    float perm[16] = {0};
    for (int i = 0; i < 4; i++) perm[i * 4 + (3 - i)] = 2.0f;   /* y_j = 2 x_{3-j} */
    CHECK_OK(seqnn_model_set_weight(id, 1, 0, perm, 16));
    CHECK_OK(seqnn_model_predict(id, xi, 4, 0, yo, 4, NULL));
    CHECKF(yo[0] == 2 * (xi[3] + b0[3]) && yo[1] == 2 * (xi[2] + b0[2]) && yo[2] == 2 * (xi[1] + b0[1]) &&
               yo[3] == 2 * (xi[0] + b0[0]),
           "permutation: %g %g %g %g", yo[0], yo[1], yo[2], yo[3]);
    /* get returns what was set */
    float back[16];
    CHECK_OK(seqnn_model_get_weight(id, 1, 0, back, 16, &len));
    CHECK(len == 16 && memcmp(back, perm, sizeof perm) == 0);
    seqnn_model_free(id);
    seqnn_model_free(m);
}

static int epoch_calls;
static char epoch_first_name[64];
static int stop_after_two(void *user_data, int64_t epoch, const char *const *names, const double *values, size_t count) {
    int *seen = user_data;
    (*seen)++;
    epoch_calls++;
    if (count > 0 && names && names[0]) snprintf(epoch_first_name, sizeof epoch_first_name, "%s", names[0]);
    if (count == 0 || !values || !isfinite(values[0])) return 1;
    return epoch >= 1;   /* stop after the second epoch (epoch counts from 0) */
}

typedef struct {
    int calls;
    size_t count;
    int has_val_loss, has_val_accuracy;
} epoch_record;

static int record_epoch(void *user_data, int64_t epoch, const char *const *names, const double *values, size_t count) {
    epoch_record *r = user_data;
    (void)epoch;
    (void)values;
    r->calls++;
    r->count = count;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(names[i], "val_loss") == 0) r->has_val_loss = 1;
        if (strcmp(names[i], "val_accuracy") == 0) r->has_val_accuracy = 1;
    }
    return 0;
}

static void test_callbacks_and_validation(void) {
    t_begin("epoch callback, validation_split");
    seqnn_model *m = binary_model(2);
    CHECK_OK(seqnn_model_compile(m, "rmsprop", "binary_crossentropy", "accuracy"));
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.epochs = 10;
    o.verbose = 0;
    int seen = 0;
    o.on_epoch_end = stop_after_two;
    o.epoch_user_data = &seen;
    seqnn_history *h = NULL;
    CHECK_OK(seqnn_model_fit(m, dummy_x, (size_t)N * D, dummy_y_bin, N, &o, &h));
    CHECKF(seen == 2, "callback called %d times", seen);
    CHECK(strcmp(epoch_first_name, "loss") == 0);
    CHECK(seqnn_history_epochs(h) == 2);
    seqnn_history_free(h);

    /* validation_split 0.2: val_loss and val_accuracy, in Keras's key order */
    seqnn_fit_options_init(&o);
    o.epochs = 3;
    o.verbose = 0;
    o.validation_split = 0.2;
    epoch_record rec = {0};
    o.on_epoch_end = record_epoch;
    o.epoch_user_data = &rec;
    log_buffer lb = {0};
    o.log = log_sink;
    o.log_user_data = &lb;
    o.verbose = 1;
    h = NULL;
    CHECK_OK(seqnn_model_fit(m, dummy_x, (size_t)N * D, dummy_y_bin, N, &o, &h));
    CHECK(seqnn_history_key_count(h) == 4);
    const char *want[4] = {"loss", "accuracy", "val_loss", "val_accuracy"};
    for (size_t i = 0; i < 4; i++) {
        const char *k = seqnn_history_key(h, i);
        CHECKF(k && strcmp(k, want[i]) == 0, "key %zu is %s, expected %s", i, k ? k : "(null)", want[i]);
    }
    double vl[3];
    size_t count = 0;
    CHECK_OK(seqnn_history_get(h, "val_loss", vl, 3, &count));
    CHECK(count == 3 && all_finite(vl, 3));
    CHECK(rec.calls == 3 && rec.count == 4 && rec.has_val_loss && rec.has_val_accuracy);
    CHECK(contains(lb.text, "val_loss:"));
    CHECK(contains(lb.text, "25/25"));   /* 800 training samples / 32 = 25 steps */
    free(lb.text);
    /* the validation loss equals evaluate on the last 20% (no shuffling of the split) */
    double r[2];
    CHECK_OK(seqnn_model_evaluate(m, dummy_x + 800 * D, 200 * D, dummy_y_bin + 800, 200, 32, r, 2, NULL));
    CHECKF(fabs(r[0] - vl[2]) < 1e-5, "val_loss %.6f vs evaluate on the tail %.6f", vl[2], r[0]);
    seqnn_history_free(h);

    /* validation data given explicitly */
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.validation_x = dummy_x;
    o.validation_x_len = 100 * D;
    o.validation_y = dummy_y_bin;
    o.validation_y_len = 100;
    CHECK_OK(seqnn_model_fit(m, dummy_x, (size_t)N * D, dummy_y_bin, N, &o, &h));
    CHECK(seqnn_history_key_count(h) == 4);
    seqnn_history_free(h);

    /* sample_weight all zero: nothing trained */
    float before[32], after[32];
    CHECK_OK(seqnn_model_get_weight(m, 0, 1, before, 32, NULL));
    static float zero_w[N];
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.sample_weight = zero_w;
    o.sample_weight_len = N;
    o.epochs = 1;
    CHECK_OK(seqnn_model_fit(m, dummy_x, (size_t)N * D, dummy_y_bin, N, &o, NULL));
    CHECK_OK(seqnn_model_get_weight(m, 0, 1, after, 32, NULL));
    CHECK(memcmp(before, after, sizeof before) == 0);
    seqnn_model_free(m);
}


static void test_class_weight(void) {
    t_begin("class_weight");
    /* one-hot targets: class_weight 0 for every class trains nothing, weight 1 trains */
    seqnn_model *m = multiclass_model(8);
    CHECK_OK(seqnn_model_compile(m, "sgd", "categorical_crossentropy", "accuracy"));
    float zeros[10] = {0}, ones[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, before[10], after[10];
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.class_weight = zeros;
    o.class_weight_len = 10;
    CHECK_OK(seqnn_model_get_weight(m, 1, 1, before, 10, NULL));
    CHECK_OK(seqnn_model_fit(m, dummy_x, 100 * D, dummy_y_onehot, 1000, &o, NULL));
    CHECK_OK(seqnn_model_get_weight(m, 1, 1, after, 10, NULL));
    CHECK(memcmp(before, after, sizeof before) == 0);
    o.class_weight = ones;
    CHECK_OK(seqnn_model_fit(m, dummy_x, 100 * D, dummy_y_onehot, 1000, &o, NULL));
    CHECK_OK(seqnn_model_get_weight(m, 1, 1, after, 10, NULL));
    CHECK(memcmp(before, after, sizeof before) != 0);
    seqnn_model_free(m);

    /* one target column: Keras takes the class as round(y) (data_adapter_utils.class_weight_to_sample_weights:
     * np.round(y).astype("int32")), so y = 0.7 is class 1. class_weight {0: 0, 1: 1} must train. */
    seqnn_model *b = binary_model(8);
    CHECK_OK(seqnn_model_compile(b, "sgd", "binary_crossentropy", NULL));
    float y[100], cw[2] = {0, 1}, kb[32], ka[32];
    for (int i = 0; i < 100; i++) y[i] = 0.7f;
    o.class_weight = cw;
    o.class_weight_len = 2;
    CHECK_OK(seqnn_model_get_weight(b, 0, 1, kb, 32, NULL));
    CHECK_OK(seqnn_model_fit(b, dummy_x, 100 * D, y, 100, &o, NULL));
    CHECK_OK(seqnn_model_get_weight(b, 0, 1, ka, 32, NULL));
    CHECKF(memcmp(kb, ka, sizeof kb) != 0, "y = 0.7 with class_weight {0: 0, 1: 1} trained nothing: class taken as "
           "int(0.7) = 0, Keras rounds to 1");
    seqnn_model_free(b);
}

/* Nothing is printed, ever (header): run a verbose fit without a sink and some failing calls with
 * stdout and stderr pointed at a file, and check the file stays empty. */
static void test_silence(void) {
    t_begin("the library prints nothing");
    fflush(stdout);
    fflush(stderr);
    FILE *capture = tmpfile();
    if (!capture) {
        CHECKF(0, "tmpfile failed");
        return;
    }
    int saved_out = dup(1), saved_err = dup(2);
    dup2(fileno(capture), 1);
    dup2(fileno(capture), 2);

    seqnn_model *m = binary_model(1);
    int rc1 = seqnn_model_compile(m, "rmsprop", "binary_crossentropy", "accuracy");
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.epochs = 2;
    o.verbose = 1;   /* no log sink: no text anywhere */
    int rc2 = seqnn_model_fit(m, dummy_x, 200 * D, dummy_y_bin, 200, &o, NULL);
    o.verbose = 2;
    int rc3 = seqnn_model_fit(m, dummy_x, 200 * D, dummy_y_bin, 200, &o, NULL);
    float nan_x[D];
    for (int i = 0; i < D; i++) nan_x[i] = NAN;
    int rc4 = seqnn_model_fit(m, nan_x, D, dummy_y_bin, 1, &o, NULL);
    int rc5 = seqnn_model_add(m, "Conv9D", "{");
    int rc6 = seqnn_model_compile(m, "bogus", "bogus", "bogus");
    seqnn_model_free(m);

    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    fseek(capture, 0, SEEK_END);
    long size = ftell(capture);
    char head[201] = {0};
    rewind(capture);
    size_t got = fread(head, 1, 200, capture);
    head[got] = 0;
    fclose(capture);
    CHECK(rc1 == SEQNN_OK && rc2 == SEQNN_OK && rc3 == SEQNN_OK && rc4 == SEQNN_NUMERIC_ERROR && rc5 != SEQNN_OK && rc6 != SEQNN_OK);
    CHECKF(size == 0, "the library wrote %ld bytes to stdout/stderr: \"%s\"", size, head);
}

static void test_determinism(void) {
    t_begin("same seed, same data -> same weights");
    float w[2][320];
    for (int k = 0; k < 2; k++) {
        seqnn_model *m = multiclass_model(77);
        CHECK_OK(seqnn_model_compile(m, "adam", "categorical_crossentropy", "accuracy"));
        seqnn_fit_options o;
        seqnn_fit_options_init(&o);
        o.verbose = 0;
        o.epochs = 2;
        CHECK_OK(seqnn_model_fit(m, dummy_x, 300 * D, dummy_y_onehot, 300 * 10, &o, NULL));
        CHECK_OK(seqnn_model_get_weight(m, 1, 0, w[k], 320, NULL));
        seqnn_model_free(m);
    }
    CHECK(memcmp(w[0], w[1], sizeof w[0]) == 0);
}

static void test_to_categorical(void) {
    t_begin("to_categorical");
    float labels[4] = {0, 2, 1, 2}, out[20];
    size_t len = 0;
    int64_t classes = 0;
    CHECK_OK(seqnn_to_categorical(labels, 4, 0, out, 20, &len, &classes));
    CHECK(len == 12 && classes == 3);
    float want[12] = {1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1};
    CHECK(memcmp(out, want, sizeof want) == 0);
    CHECK_OK(seqnn_to_categorical(labels, 4, 5, out, 20, &len, NULL));
    CHECK(len == 20 && out[0] == 1 && out[4] == 0 && out[7] == 1);
    CHECK_OK(seqnn_to_categorical(labels, 4, 3, out, 12, NULL, NULL));
    len = 0;
    CHECK_FAIL(NULL, seqnn_to_categorical(labels, 4, 3, out, 11, &len, &classes), SEQNN_BUFFER_TOO_SMALL, "12");
    CHECK(len == 12 && classes == 3);
    len = 0;
    CHECK_FAIL(NULL, seqnn_to_categorical(labels, 4, 0, NULL, 0, &len, NULL), SEQNN_BUFFER_TOO_SMALL, "needed");
    CHECK(len == 12);
    float frac[2] = {1, 1.5f}, neg[2] = {0, -1}, nan2[2] = {0, NAN};
    CHECK_FAIL(NULL, seqnn_to_categorical(frac, 2, 0, out, 20, NULL, NULL), SEQNN_INVALID_ARGUMENT, "1.5");
    CHECK_FAIL(NULL, seqnn_to_categorical(neg, 2, 0, out, 20, NULL, NULL), SEQNN_INVALID_ARGUMENT, "-1");
    CHECK_FAIL(NULL, seqnn_to_categorical(nan2, 2, 0, out, 20, NULL, NULL), SEQNN_INVALID_ARGUMENT, "nan");
    CHECK_FAIL(NULL, seqnn_to_categorical(labels, 4, 2, out, 20, NULL, NULL), SEQNN_INVALID_ARGUMENT, "num_classes");
    CHECK_FAIL(NULL, seqnn_to_categorical(labels, 4, -3, out, 20, NULL, NULL), SEQNN_INVALID_ARGUMENT, "num_classes");
    CHECK_FAIL(NULL, seqnn_to_categorical(NULL, 4, 3, out, 20, NULL, NULL), SEQNN_INVALID_ARGUMENT, "labels");
    CHECK_FAIL(NULL, seqnn_to_categorical(labels, (size_t)-1, 3, out, 20, NULL, NULL), SEQNN_INVALID_ARGUMENT, "labels");
    CHECK(contains(seqnn_last_error(), "seqnn_to_categorical"));
}

/* ---------------------------------------------------------------------------------------------------- */
/* Misuse                                                                                               */
/* ---------------------------------------------------------------------------------------------------- */

static int dummy_epoch(void *u, int64_t e, const char *const *n, const double *v, size_t c) {
    (void)u, (void)e, (void)n, (void)v, (void)c;
    return 0;
}

static void test_null_model(void) {
    t_begin("NULL model handle");
    seqnn_model *m = NULL;
    int64_t shape[1] = {4};
    float x[8] = {0}, out[8];
    double r[4];
    size_t sz = 0, sz2 = 0;
    int64_t s64[2];
    const char *w = "model is NULL";
    CHECK_FAIL(m, seqnn_model_set_input(NULL, shape, 1, 0), SEQNN_INVALID_ARGUMENT, w);
    CHECK(contains(seqnn_last_error(), "seqnn_model_set_input"));
    CHECK_FAIL(m, seqnn_model_add(NULL, "Dense", "{\"units\": 1}"), SEQNN_INVALID_ARGUMENT, w);
    CHECK_FAIL(m, seqnn_model_add_dense(NULL, 1, NULL), SEQNN_INVALID_ARGUMENT, w);
    CHECK_FAIL(m, seqnn_model_add_activation(NULL, "relu"), SEQNN_INVALID_ARGUMENT, w);
    CHECK_FAIL(m, seqnn_model_add_dropout(NULL, 0.5f), SEQNN_INVALID_ARGUMENT, w);
    CHECK_FAIL(m, seqnn_model_pop(NULL), SEQNN_INVALID_ARGUMENT, w);
    CHECK_FAIL(m, seqnn_model_input_size(NULL, &sz), SEQNN_INVALID_ARGUMENT, w);
    CHECK_FAIL(m, seqnn_model_output_size(NULL, &sz), SEQNN_INVALID_ARGUMENT, w);
    CHECK_FAIL(m, seqnn_model_count_params(NULL, &sz, &sz2), SEQNN_INVALID_ARGUMENT, w);
    char buf[16];
    CHECK_FAIL(m, seqnn_model_summary(NULL, buf, sizeof buf, &sz), SEQNN_INVALID_ARGUMENT, w);
    CHECK_FAIL(m, seqnn_model_weight_count(NULL, 0, &sz), SEQNN_INVALID_ARGUMENT, w);
    CHECK_FAIL(m, seqnn_model_weight_shape(NULL, 0, 0, s64, 2, &sz), SEQNN_INVALID_ARGUMENT, w);
    CHECK_FAIL(m, seqnn_model_get_weight(NULL, 0, 0, out, 8, &sz), SEQNN_INVALID_ARGUMENT, w);
    CHECK_FAIL(m, seqnn_model_set_weight(NULL, 0, 0, x, 8), SEQNN_INVALID_ARGUMENT, w);
    CHECK_FAIL(m, seqnn_model_add_metric(NULL, "mean_pred", mean_pred, NULL), SEQNN_INVALID_ARGUMENT, w);
    CHECK_FAIL(m, seqnn_model_compile(NULL, "sgd", "mse", NULL), SEQNN_INVALID_ARGUMENT, w);
    CHECK_FAIL(m, seqnn_model_metric_count(NULL, &sz), SEQNN_INVALID_ARGUMENT, w);
    seqnn_history *h = (seqnn_history *)(uintptr_t)1;   /* must be reset to NULL on failure */
    CHECK_FAIL(m, seqnn_model_fit(NULL, x, 8, x, 2, NULL, &h), SEQNN_INVALID_ARGUMENT, w);
    CHECK(h == NULL);
    CHECK_FAIL(m, seqnn_model_evaluate(NULL, x, 8, x, 2, 0, r, 4, &sz), SEQNN_INVALID_ARGUMENT, w);
    CHECK_FAIL(m, seqnn_model_predict(NULL, x, 8, 0, out, 8, &sz), SEQNN_INVALID_ARGUMENT, w);
    CHECK_FAIL(m, seqnn_model_train_on_batch(NULL, x, 8, x, 2, r, 4, &sz), SEQNN_INVALID_ARGUMENT, w);
    CHECK(contains(seqnn_last_error(), "seqnn_model_train_on_batch"));
    /* the non-status functions */
    CHECK(seqnn_model_layer_count(NULL) == 0);
    CHECK(seqnn_model_layer_name(NULL, 0) == NULL);
    CHECK(seqnn_model_layer_class(NULL, 0) == NULL);
    CHECK(seqnn_model_metric_name(NULL, 0) == NULL);
    CHECK(seqnn_model_last_error(NULL) != NULL && seqnn_model_last_error(NULL)[0] == 0);
    seqnn_model_free(NULL);
    seqnn_history_free(NULL);
    CHECK(seqnn_history_epochs(NULL) == 0);
    CHECK(seqnn_history_key_count(NULL) == 0);
    CHECK(seqnn_history_key(NULL, 0) == NULL);
    double v[2];
    CHECK_FAIL(NULL, seqnn_history_get(NULL, "loss", v, 2, &sz), SEQNN_INVALID_ARGUMENT, "history");
    seqnn_fit_options_init(NULL);   /* documented nowhere as an error; must not crash */
    CHECK(1);
}

static void test_null_buffers(void) {
    t_begin("NULL buffers and arguments");
    seqnn_model *m = seqnn_model_create(1);
    size_t sz = 0;
    CHECK_FAIL(m, seqnn_model_set_input(m, NULL, 1, 0), SEQNN_INVALID_ARGUMENT, "shape");
    CHECK_FAIL(m, seqnn_model_add(m, NULL, "{}"), SEQNN_INVALID_ARGUMENT, "class_name");
    CHECK_FAIL(m, seqnn_model_add_activation(m, NULL), SEQNN_INVALID_ARGUMENT, "activation");
    CHECK(seqnn_model_layer_count(m) == 0);
    int64_t shape[1] = {100};
    CHECK_OK(seqnn_model_set_input(m, shape, 1, 0));
    CHECK_FAIL(m, seqnn_model_add(m, "Dense", NULL), SEQNN_INVALID_ARGUMENT, "units");   /* NULL = {}: units missing */
    CHECK_OK(seqnn_model_add_dense(m, 10, "softmax"));
    CHECK_FAIL(m, seqnn_model_input_size(m, NULL), SEQNN_INVALID_ARGUMENT, "size");
    CHECK_FAIL(m, seqnn_model_output_size(m, NULL), SEQNN_INVALID_ARGUMENT, "size");
    CHECK_FAIL(m, seqnn_model_count_params(m, NULL, &sz), SEQNN_INVALID_ARGUMENT, "total");
    CHECK_FAIL(m, seqnn_model_count_params(m, &sz, NULL), SEQNN_INVALID_ARGUMENT, "trainable");
    CHECK_FAIL(m, seqnn_model_weight_count(m, 0, NULL), SEQNN_INVALID_ARGUMENT, "count");
    CHECK_FAIL(m, seqnn_model_weight_shape(m, 0, 0, NULL, 0, NULL), SEQNN_INVALID_ARGUMENT, "ndim");
    sz = 0;
    CHECK_FAIL(m, seqnn_model_weight_shape(m, 0, 0, NULL, 0, &sz), SEQNN_BUFFER_TOO_SMALL, "rank");
    CHECK(sz == 2);
    sz = 0;
    CHECK_FAIL(m, seqnn_model_get_weight(m, 0, 0, NULL, 0, &sz), SEQNN_BUFFER_TOO_SMALL, "1000");
    CHECK(sz == 1000);
    CHECK_FAIL(m, seqnn_model_set_weight(m, 0, 0, NULL, 1000), SEQNN_INVALID_ARGUMENT, "values");
    CHECK_FAIL(m, seqnn_model_add_metric(m, NULL, mean_pred, NULL), SEQNN_INVALID_ARGUMENT, "name");
    CHECK_FAIL(m, seqnn_model_add_metric(m, "m", NULL, NULL), SEQNN_INVALID_ARGUMENT, "fn");
    CHECK_FAIL(m, seqnn_model_add_metric(m, "", mean_pred, NULL), SEQNN_INVALID_ARGUMENT, "name");
    CHECK_FAIL(m, seqnn_model_compile(m, "sgd", NULL, NULL), SEQNN_INVALID_ARGUMENT, "loss");
    CHECK_OK(seqnn_model_compile(m, "sgd", "categorical_crossentropy", "accuracy"));
    CHECK_FAIL(m, seqnn_model_metric_count(m, NULL), SEQNN_INVALID_ARGUMENT, "count");

    float *x = dummy_x, out[20];
    double r[2];
    CHECK_FAIL(m, seqnn_model_fit(m, NULL, 200, dummy_y_onehot, 20, NULL, NULL), SEQNN_INVALID_ARGUMENT, "x");
    CHECK_FAIL(m, seqnn_model_fit(m, x, 200, NULL, 20, NULL, NULL), SEQNN_INVALID_ARGUMENT, "y");
    CHECK_FAIL(m, seqnn_model_evaluate(m, NULL, 200, dummy_y_onehot, 20, 0, r, 2, NULL), SEQNN_INVALID_ARGUMENT, "x");
    CHECK_FAIL(m, seqnn_model_evaluate(m, x, 200, NULL, 20, 0, r, 2, NULL), SEQNN_INVALID_ARGUMENT, "y");
    sz = 0;
    CHECK_FAIL(m, seqnn_model_evaluate(m, x, 200, dummy_y_onehot, 20, 0, NULL, 0, &sz), SEQNN_BUFFER_TOO_SMALL, "results");
    CHECK(sz == 2);
    CHECK_FAIL(m, seqnn_model_predict(m, NULL, 200, 0, out, 20, NULL), SEQNN_INVALID_ARGUMENT, "x");
    CHECK_FAIL(m, seqnn_model_predict(m, x, 200, 0, NULL, 20, NULL), SEQNN_INVALID_ARGUMENT, "out");
    CHECK_FAIL(m, seqnn_model_train_on_batch(m, NULL, 200, dummy_y_onehot, 20, r, 2, NULL), SEQNN_INVALID_ARGUMENT, "x");
    CHECK_FAIL(m, seqnn_model_train_on_batch(m, x, 200, NULL, 20, r, 2, NULL), SEQNN_INVALID_ARGUMENT, "y");
    sz = 0;
    /* results NULL with a capacity that would fit: the message must say it is NULL, not that it is small */
    int rc = seqnn_model_train_on_batch(m, x, 200, dummy_y_onehot, 20, NULL, 2, &sz);
    CHECKF((rc == SEQNN_INVALID_ARGUMENT || rc == SEQNN_BUFFER_TOO_SMALL) && contains(seqnn_model_last_error(m), "NULL"),
           "train_on_batch(results NULL, cap 2) -> %d: \"%s\" should say results is NULL", rc, seqnn_model_last_error(m));
    rc = seqnn_model_evaluate(m, x, 200, dummy_y_onehot, 20, 0, NULL, 2, &sz);
    CHECKF((rc == SEQNN_INVALID_ARGUMENT || rc == SEQNN_BUFFER_TOO_SMALL) && contains(seqnn_model_last_error(m), "NULL"),
           "evaluate(results NULL, cap 2) -> %d: \"%s\" should say results is NULL", rc, seqnn_model_last_error(m));

    /* History: NULL key, unknown key, small buffer */
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.epochs = 3;
    seqnn_history *h = NULL;
    CHECK_OK(seqnn_model_fit(m, x, 200, dummy_y_onehot, 20, &o, &h));
    double v[3];
    CHECK_FAIL(NULL, seqnn_history_get(h, NULL, v, 3, NULL), SEQNN_INVALID_ARGUMENT, "key");
    CHECK_FAIL(NULL, seqnn_history_get(h, "val_loss", v, 3, NULL), SEQNN_INVALID_ARGUMENT, "val_loss");
    CHECK(contains(seqnn_last_error(), "accuracy"));   /* the message lists the keys there are */
    sz = 0;
    CHECK_FAIL(NULL, seqnn_history_get(h, "loss", v, 2, &sz), SEQNN_BUFFER_TOO_SMALL, "3");
    CHECK(sz == 3);
    CHECK_FAIL(NULL, seqnn_history_get(h, "loss", NULL, 0, &sz), SEQNN_BUFFER_TOO_SMALL, "3");
    seqnn_history_free(h);
    seqnn_model_free(m);
}

static void test_bad_sizes(void) {
    t_begin("negative and zero sizes");
    seqnn_model *m = seqnn_model_create(1);
    int64_t zero[1] = {0}, neg[1] = {-3}, ok[1] = {100}, two[2] = {4, 0};
    CHECK_FAIL(m, seqnn_model_set_input(m, ok, 0, 0), SEQNN_INVALID_ARGUMENT, "ndim");
    CHECK_FAIL(m, seqnn_model_set_input(m, ok, 17, 0), SEQNN_INVALID_ARGUMENT, "ndim");
    CHECK_FAIL(m, seqnn_model_set_input(m, ok, (size_t)-1, 0), SEQNN_INVALID_ARGUMENT, "ndim");
    CHECK_FAIL(m, seqnn_model_set_input(m, zero, 1, 0), SEQNN_INVALID_ARGUMENT, "positive");
    CHECK_FAIL(m, seqnn_model_set_input(m, neg, 1, 0), SEQNN_INVALID_ARGUMENT, "-3");
    CHECK_FAIL(m, seqnn_model_set_input(m, two, 2, 0), SEQNN_INVALID_ARGUMENT, "positive");
    CHECK_FAIL(m, seqnn_model_set_input(m, ok, 1, -1), SEQNN_INVALID_ARGUMENT, "batch_size");
    CHECK_FAIL(m, seqnn_model_add_dense(m, 0, NULL), SEQNN_INVALID_ARGUMENT, "units");
    CHECK_FAIL(m, seqnn_model_add_dense(m, -5, NULL), SEQNN_INVALID_ARGUMENT, "units");
    CHECK_FAIL(m, seqnn_model_add_dropout(m, -0.1f), SEQNN_INVALID_ARGUMENT, "rate");
    CHECK_FAIL(m, seqnn_model_add_dropout(m, 1.0f), SEQNN_INVALID_ARGUMENT, "rate");
    CHECK_FAIL(m, seqnn_model_add_dropout(m, NAN), SEQNN_INVALID_ARGUMENT, "rate");
    CHECK_FAIL(m, seqnn_model_add(m, "Dense", "{\"units\": -2}"), SEQNN_INVALID_ARGUMENT, "units");
    CHECK_FAIL(m, seqnn_model_add(m, "Dense", "{\"units\": 2.5}"), SEQNN_INVALID_ARGUMENT, "units");
    CHECK_FAIL(m, seqnn_model_add(m, "Dense", "{\"units\": 4, \"input_shape\": [0]}"), SEQNN_INVALID_ARGUMENT, "input");
    CHECK_FAIL(m, seqnn_model_add(m, "Dense", "{\"units\": 4, \"input_dim\": -1}"), SEQNN_INVALID_ARGUMENT, "input");
    CHECK_FAIL(m, seqnn_model_add(m, "Dense", "{\"units\": 4, \"batch_size\": 0, \"input_dim\": 3}"), SEQNN_INVALID_ARGUMENT, "batch_size");
    CHECK_FAIL(m, seqnn_model_add(m, "Dropout", "{\"rate\": 1.5}"), SEQNN_INVALID_ARGUMENT, "rate");
    CHECK(seqnn_model_layer_count(m) == 0);   /* failures leave the model unchanged */
    CHECK_FAIL(m, seqnn_model_pop(m), SEQNN_INVALID_ARGUMENT, "no layers");
    CHECK_FAIL(NULL, seqnn_set_num_threads(0), SEQNN_INVALID_ARGUMENT, "n must be");
    CHECK_FAIL(NULL, seqnn_set_num_threads(-4), SEQNN_INVALID_ARGUMENT, "-4");

    CHECK_OK(seqnn_model_set_input(m, ok, 1, 0));
    CHECK_OK(seqnn_model_add_dense(m, 10, "softmax"));
    CHECK_OK(seqnn_model_compile(m, "sgd", "categorical_crossentropy", "accuracy"));
    float out[20];
    double r[2];
    size_t sz = 0;
    float *x = dummy_x, *y = dummy_y_onehot;
    CHECK_FAIL(m, seqnn_model_fit(m, x, 0, y, 0, NULL, NULL), SEQNN_SHAPE_MISMATCH, "x has 0 values");
    CHECK_FAIL(m, seqnn_model_fit(m, x, (size_t)-1, y, 20, NULL, NULL), SEQNN_INVALID_ARGUMENT, "negative");
    CHECK_FAIL(m, seqnn_model_fit(m, x, 200, y, (size_t)-20, NULL, NULL), SEQNN_INVALID_ARGUMENT, "negative");
    CHECK_FAIL(m, seqnn_model_predict(m, x, 0, 0, out, 20, NULL), SEQNN_SHAPE_MISMATCH, "x has 0");
    CHECK_FAIL(m, seqnn_model_predict(m, x, 200, -1, out, 20, NULL), SEQNN_INVALID_ARGUMENT, "batch_size");
    CHECK_FAIL(m, seqnn_model_predict(m, x, 200, 0, out, (size_t)-1, NULL), SEQNN_INVALID_ARGUMENT, "cap");
    CHECK_FAIL(m, seqnn_model_predict(m, x, (size_t)-1, 0, out, 20, NULL), SEQNN_INVALID_ARGUMENT, "negative");
    CHECK_FAIL(m, seqnn_model_evaluate(m, x, 200, y, 20, -1, r, 2, NULL), SEQNN_INVALID_ARGUMENT, "batch_size");
    CHECK_FAIL(m, seqnn_model_evaluate(m, x, 0, y, 0, 0, r, 2, NULL), SEQNN_SHAPE_MISMATCH, "x has 0");
    CHECK_FAIL(m, seqnn_model_train_on_batch(m, x, 0, y, 0, r, 2, NULL), SEQNN_SHAPE_MISMATCH, "x has 0");
    CHECK_FAIL(m, seqnn_model_weight_count(m, 5, &sz), SEQNN_INVALID_ARGUMENT, "out of range");
    CHECK_FAIL(m, seqnn_model_weight_count(m, (size_t)-1, &sz), SEQNN_INVALID_ARGUMENT, "out of range");
    CHECK_FAIL(m, seqnn_model_get_weight(m, 0, 2, out, 20, NULL), SEQNN_INVALID_ARGUMENT, "out of range");
    CHECK_FAIL(m, seqnn_model_get_weight(m, 3, 0, out, 20, NULL), SEQNN_INVALID_ARGUMENT, "out of range");
    CHECK_FAIL(m, seqnn_model_weight_shape(m, 0, 7, NULL, 0, &sz), SEQNN_INVALID_ARGUMENT, "out of range");
    CHECK_FAIL(m, seqnn_model_set_weight(m, 0, 1, out, 9), SEQNN_SHAPE_MISMATCH, "10");
    CHECK_FAIL(m, seqnn_model_set_weight(m, 0, 1, out, 0), SEQNN_SHAPE_MISMATCH, "bias");
    CHECK_FAIL(m, seqnn_model_set_weight(m, (size_t)-1, 0, out, 10), SEQNN_INVALID_ARGUMENT, "out of range");

    /* options with bad values */
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.epochs = -1;
    CHECK_FAIL(m, seqnn_model_fit(m, x, 200, y, 20, &o, NULL), SEQNN_INVALID_ARGUMENT, "epochs");
    seqnn_fit_options_init(&o);
    o.batch_size = -1;
    CHECK_FAIL(m, seqnn_model_fit(m, x, 200, y, 20, &o, NULL), SEQNN_INVALID_ARGUMENT, "batch_size");
    seqnn_fit_options_init(&o);
    o.verbose = 7;
    CHECK_FAIL(m, seqnn_model_fit(m, x, 200, y, 20, &o, NULL), SEQNN_INVALID_ARGUMENT, "verbose");
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.initial_epoch = -2;
    CHECK_FAIL(m, seqnn_model_fit(m, x, 200, y, 20, &o, NULL), SEQNN_INVALID_ARGUMENT, "initial_epoch");
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.validation_split = 1.0;
    CHECK_FAIL(m, seqnn_model_fit(m, x, 200, y, 20, &o, NULL), SEQNN_INVALID_ARGUMENT, "validation_split");
    o.validation_split = -0.5;
    CHECK_FAIL(m, seqnn_model_fit(m, x, 200, y, 20, &o, NULL), SEQNN_INVALID_ARGUMENT, "validation_split");
    o.validation_split = NAN;
    CHECK_FAIL(m, seqnn_model_fit(m, x, 200, y, 20, &o, NULL), SEQNN_INVALID_ARGUMENT, "validation_split");
    o.validation_split = 0.01;   /* 2 samples: 0.01 * 2 leaves 1 training sample, 1 validation */
    CHECK_OK(seqnn_model_fit(m, x, 200, y, 20, &o, NULL));
    o.validation_split = 0.6;    /* int(2 * 0.4) = 0 training samples */
    CHECK_FAIL(m, seqnn_model_fit(m, x, 200, y, 20, &o, NULL), SEQNN_INVALID_ARGUMENT, "validation_split");
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.sample_weight = out;
    o.sample_weight_len = 3;
    CHECK_FAIL(m, seqnn_model_fit(m, x, 200, y, 20, &o, NULL), SEQNN_SHAPE_MISMATCH, "sample_weight");
    float negw[2] = {1, -1};
    o.sample_weight = negw;
    o.sample_weight_len = 2;
    CHECK_FAIL(m, seqnn_model_fit(m, x, 200, y, 20, &o, NULL), SEQNN_NUMERIC_ERROR, "sample_weight");
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.validation_x = x;
    o.validation_x_len = 200;
    o.validation_y = y;
    o.validation_y_len = 7;
    CHECK_FAIL(m, seqnn_model_fit(m, x, 200, y, 20, &o, NULL), SEQNN_SHAPE_MISMATCH, "validation");
    o.validation_y = NULL;
    CHECK_FAIL(m, seqnn_model_fit(m, x, 200, y, 20, &o, NULL), SEQNN_INVALID_ARGUMENT, "validation_y");
    /* epochs 0 and initial_epoch >= epochs: nothing trained, an empty History */
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.epochs = 0;
    seqnn_history *h = NULL;
    CHECK_OK(seqnn_model_fit(m, x, 200, y, 20, &o, &h));
    CHECK(h != NULL && seqnn_history_epochs(h) == 0 && seqnn_history_key_count(h) == 0);
    seqnn_history_free(h);
    seqnn_model_free(m);
}

static void test_shape_mismatch(void) {
    t_begin("wrong x/y lengths");
    seqnn_model *m = tutorial_json(1);
    CHECK_OK(seqnn_model_compile(m, "rmsprop", "categorical_crossentropy", "accuracy"));
    float *x = calloc(4 * 784 + 1, sizeof(float)), y[41] = {0}, out[41];
    for (int i = 0; i < 4; i++) y[i * 10] = 1;
    double r[2];
    size_t len = 0;
    CHECK_FAIL(m, seqnn_model_fit(m, x, 4 * 784 + 1, y, 40, NULL, NULL), SEQNN_SHAPE_MISMATCH, "784");
    CHECK(contains(seqnn_model_last_error(m), "seqnn_model_fit"));
    CHECK_FAIL(m, seqnn_model_fit(m, x, 4 * 784, y, 41, NULL, NULL), SEQNN_SHAPE_MISMATCH, "40");
    CHECK_FAIL(m, seqnn_model_fit(m, x, 4 * 784, y, 4, NULL, NULL), SEQNN_SHAPE_MISMATCH, "to_categorical");   /* the hint */
    CHECK_FAIL(m, seqnn_model_evaluate(m, x, 4 * 784, y, 30, 0, r, 2, NULL), SEQNN_SHAPE_MISMATCH, "y has 30");
    CHECK_FAIL(m, seqnn_model_evaluate(m, x, 100, y, 40, 0, r, 2, NULL), SEQNN_SHAPE_MISMATCH, "784");
    CHECK_FAIL(m, seqnn_model_train_on_batch(m, x, 4 * 784, y, 39, r, 2, NULL), SEQNN_SHAPE_MISMATCH, "y has 39");
    CHECK_FAIL(m, seqnn_model_train_on_batch(m, x, 785, y, 10, r, 2, NULL), SEQNN_SHAPE_MISMATCH, "785");
    CHECK_FAIL(m, seqnn_model_predict(m, x, 783, 0, out, 41, &len), SEQNN_SHAPE_MISMATCH, "783");
    /* a binary model given one-hot targets gets the other hint */
    seqnn_model *b = binary_model(1);
    CHECK_OK(seqnn_model_compile(b, "rmsprop", "binary_crossentropy", NULL));
    CHECK_FAIL(b, seqnn_model_fit(b, dummy_x, 4 * D, y, 8, NULL, NULL), SEQNN_SHAPE_MISMATCH, "y has 8");
    /* set_input for another shape once built */
    int64_t other[1] = {10};
    CHECK_FAIL(m, seqnn_model_set_input(m, other, 1, 0), SEQNN_SHAPE_MISMATCH, "784");
    /* a weight of the wrong size */
    CHECK_FAIL(m, seqnn_model_set_weight(m, 0, 0, x, 784 * 31), SEQNN_SHAPE_MISMATCH, "kernel");
    /* a model with no layers */
    seqnn_model *e = seqnn_model_create(1);
    CHECK_FAIL(e, seqnn_model_predict(e, x, 4, 0, out, 4, NULL), SEQNN_NOT_BUILT, "no layers");
    CHECK_FAIL(e, seqnn_model_compile(e, "sgd", "mse", NULL), SEQNN_NOT_BUILT, "no layers");
    seqnn_model_free(e);
    seqnn_model_free(b);
    free(x);
    seqnn_model_free(m);
}

static void test_small_buffers(void) {
    t_begin("too-small output buffers");
    seqnn_model *m = tutorial_json(1);
    CHECK_OK(seqnn_model_compile(m, "rmsprop", "categorical_crossentropy", "accuracy,mae"));
    float *x = calloc(5 * 784, sizeof(float)), y[50] = {0}, out[50];
    for (int i = 0; i < 5; i++) y[i * 10 + 3] = 1;
    size_t len = 0, count = 0, ndim = 0;
    double r[3];
    CHECK_FAIL(m, seqnn_model_predict(m, x, 5 * 784, 0, out, 49, &len), SEQNN_BUFFER_TOO_SMALL, "50");
    CHECK(len == 50);
    len = 0;
    CHECK_FAIL(m, seqnn_model_predict(m, x, 5 * 784, 0, out, 0, &len), SEQNN_BUFFER_TOO_SMALL, "50");
    CHECK(len == 50);
    CHECK_FAIL(m, seqnn_model_evaluate(m, x, 5 * 784, y, 50, 0, r, 2, &count), SEQNN_BUFFER_TOO_SMALL, "3");
    CHECK(count == 3);
    count = 0;
    CHECK_FAIL(m, seqnn_model_train_on_batch(m, x, 5 * 784, y, 50, r, 1, &count), SEQNN_BUFFER_TOO_SMALL, "3");
    CHECK(count == 3);
    static float w[784 * 32];
    len = 0;
    CHECK_FAIL(m, seqnn_model_get_weight(m, 0, 0, w, 784 * 32 - 1, &len), SEQNN_BUFFER_TOO_SMALL, "25088");
    CHECK(len == 784 * 32);
    int64_t shape[1];
    CHECK_FAIL(m, seqnn_model_weight_shape(m, 0, 0, shape, 1, &ndim), SEQNN_BUFFER_TOO_SMALL, "rank");
    CHECK(ndim == 2);
    free(x);
    seqnn_model_free(m);
}

static void test_order_of_calls(void) {
    t_begin("wrong order: not built, not compiled");
    seqnn_model *m = seqnn_model_create(1);
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 32, \"name\": \"first_layer\"}"));
    CHECK_OK(seqnn_model_add_dense(m, 10, "softmax"));
    float x[784] = {0}, out[10], y[10] = {1};
    double r[2];
    size_t sz = 0, total = 0, trainable = 0;
    CHECK_FAIL(m, seqnn_model_compile(m, "rmsprop", "categorical_crossentropy", "accuracy"), SEQNN_NOT_BUILT, "first_layer");
    CHECK(contains(seqnn_model_last_error(m), "input_shape"));
    CHECK_FAIL(m, seqnn_model_predict(m, x, 784, 0, out, 10, NULL), SEQNN_NOT_BUILT, "first_layer");
    CHECK_FAIL(m, seqnn_model_fit(m, x, 784, y, 10, NULL, NULL), SEQNN_NOT_BUILT, "first_layer");
    CHECK_FAIL(m, seqnn_model_output_size(m, &sz), SEQNN_NOT_BUILT, "input shape");
    CHECK_OK(seqnn_model_count_params(m, &total, &trainable));   /* unbuilt layers count 0 */
    CHECK(total == 0);
    char buf[2048];
    CHECK_OK(seqnn_model_summary(m, buf, sizeof buf, NULL));
    CHECK(contains(buf, "first_layer"));
    sz = 9;
    CHECK_OK(seqnn_model_weight_count(m, 0, &sz));   /* unbuilt: 0 weights, not an error */
    CHECK(sz == 0);

    /* built but not compiled */
    int64_t shape[1] = {784};
    CHECK_OK(seqnn_model_set_input(m, shape, 1, 0));
    CHECK_OK(seqnn_model_predict(m, x, 784, 0, out, 10, NULL));
    CHECK_FAIL(m, seqnn_model_fit(m, x, 784, y, 10, NULL, NULL), SEQNN_NOT_COMPILED, "compile");
    CHECK_FAIL(m, seqnn_model_evaluate(m, x, 784, y, 10, 0, r, 2, NULL), SEQNN_NOT_COMPILED, "compile");
    CHECK_FAIL(m, seqnn_model_train_on_batch(m, x, 784, y, 10, r, 2, NULL), SEQNN_NOT_COMPILED, "compile");
    CHECK_FAIL(m, seqnn_model_metric_count(m, &sz), SEQNN_NOT_COMPILED, "compiled");
    CHECK(seqnn_model_metric_name(m, 0) == NULL);

    /* adding a layer un-compiles */
    CHECK_OK(seqnn_model_compile(m, "rmsprop", "categorical_crossentropy", "accuracy"));
    CHECK_OK(seqnn_model_train_on_batch(m, x, 784, y, 10, r, 2, NULL));
    CHECK_OK(seqnn_model_add_activation(m, "linear"));
    CHECK_FAIL(m, seqnn_model_train_on_batch(m, x, 784, y, 10, r, 2, NULL), SEQNN_NOT_COMPILED, "compile");
    CHECK_OK(seqnn_model_compile(m, "rmsprop", "categorical_crossentropy", "accuracy"));
    CHECK_OK(seqnn_model_pop(m));
    CHECK_FAIL(m, seqnn_model_fit(m, x, 784, y, 10, NULL, NULL), SEQNN_NOT_COMPILED, "compile");

    /* an InputLayer after other layers; duplicate explicit names */
    CHECK_FAIL(m, seqnn_model_add(m, "InputLayer", "{\"batch_input_shape\": [null, 10]}"), SEQNN_INVALID_ARGUMENT, "InputLayer");
    CHECK_FAIL(m, seqnn_model_add(m, "Dense", "{\"units\": 3, \"name\": \"first_layer\"}"), SEQNN_INVALID_ARGUMENT, "first_layer");
    CHECK(seqnn_model_layer_count(m) == 2);
    /* a metric listed twice, a custom metric registered twice */
    CHECK_FAIL(m, seqnn_model_compile(m, "sgd", "mse", "mae,mae"), SEQNN_INVALID_ARGUMENT, "twice");
    CHECK_OK(seqnn_model_add_metric(m, "mean_pred", mean_pred, NULL));
    CHECK_FAIL(m, seqnn_model_add_metric(m, "mean_pred", mean_pred, NULL), SEQNN_INVALID_ARGUMENT, "mean_pred");
    seqnn_model_free(m);
}

static void test_unknown_names(void) {
    t_begin("unknown names");
    seqnn_model *m = seqnn_model_create(1);
    int64_t shape[1] = {8};
    CHECK_OK(seqnn_model_set_input(m, shape, 1, 0));
#define INVALID_OR_UNSUPPORTED(call, word)                                                                \
    do {                                                                                                  \
        int rc2_ = (call);                                                                                \
        CHECKF(rc2_ == SEQNN_INVALID_ARGUMENT || rc2_ == SEQNN_UNSUPPORTED, "%s -> %d (%s)", #call, rc2_, \
               seqnn_status_string(rc2_));                                                                \
        CHECKF(contains(seqnn_model_last_error(m), word), "%s: message should mention \"%s\": %s", #call,  \
               word, seqnn_model_last_error(m));                                                          \
        CHECKF(contains(seqnn_last_error(), word), "%s: thread message should mention \"%s\": %s", #call,  \
               word, seqnn_last_error());                                                                 \
    } while (0)
    INVALID_OR_UNSUPPORTED(seqnn_model_add_activation(m, "relux"), "relux");
    INVALID_OR_UNSUPPORTED(seqnn_model_add_dense(m, 4, "sigmoidd"), "sigmoidd");
    INVALID_OR_UNSUPPORTED(seqnn_model_add(m, "Dense", "{\"units\": 4, \"activation\": \"nope\"}"), "nope");
    INVALID_OR_UNSUPPORTED(seqnn_model_add(m, "Conv9D", "{}"), "Conv9D");
    INVALID_OR_UNSUPPORTED(seqnn_model_add(m, "dense", "{\"units\": 4}"), "dense");   /* class names are case-sensitive */
    INVALID_OR_UNSUPPORTED(seqnn_model_add(m, "Dense", "{\"units\": 4, \"kernel_initializer\": \"wobbly\"}"), "wobbly");
    CHECK(seqnn_model_layer_count(m) == 0);
    CHECK_OK(seqnn_model_add_dense(m, 3, "softmax"));
    INVALID_OR_UNSUPPORTED(seqnn_model_compile(m, "rmsprop", "bogus_loss", NULL), "bogus_loss");
    INVALID_OR_UNSUPPORTED(seqnn_model_compile(m, "sgdx", "mse", NULL), "sgdx");
    INVALID_OR_UNSUPPORTED(seqnn_model_compile(m, "rmsprop", "mse", "accuracyy"), "accuracyy");
    INVALID_OR_UNSUPPORTED(seqnn_model_compile(m, "rmsprop", "mse", "[\"accuracy\", \"f1_scorez\"]"), "f1_scorez");
    INVALID_OR_UNSUPPORTED(seqnn_model_compile(m, "{\"class_name\": \"Adamz\", \"config\": {}}", "mse", NULL), "Adamz");
    INVALID_OR_UNSUPPORTED(seqnn_model_compile(m, "rmsprop", "{\"class_name\": \"Lossy\"}", NULL), "Lossy");
    /* a failed compile leaves the model uncompiled or as it was: not crashing is what matters here */
    size_t count = 0;
    int rc = seqnn_model_metric_count(m, &count);
    CHECK(rc == SEQNN_NOT_COMPILED || rc == SEQNN_OK);
#undef INVALID_OR_UNSUPPORTED
    seqnn_model_free(m);
}

static void test_malformed_json(void) {
    t_begin("malformed JSON");
    seqnn_model *m = seqnn_model_create(1);
    CHECK_FAIL(m, seqnn_model_add(m, "Dense", "{\"units\": 32,"), SEQNN_FORMAT_ERROR, "JSON");
    CHECK_FAIL(m, seqnn_model_add(m, "Dense", "{units: 32}"), SEQNN_FORMAT_ERROR, "JSON");
    CHECK_FAIL(m, seqnn_model_add(m, "Dense", "{\"units\": 32} trailing"), SEQNN_FORMAT_ERROR, "JSON");
    CHECK_FAIL(m, seqnn_model_add(m, "Dense", ""), SEQNN_FORMAT_ERROR, "JSON");
    CHECK_FAIL(m, seqnn_model_add(m, "Dense", "{\"units\": \"32\\u12\"}"), SEQNN_FORMAT_ERROR, "JSON");
    /* deep nesting must fail cleanly, not overflow the stack */
    size_t depth = 100000;
    char *deep = malloc(2 * depth + 32);
    size_t k = 0;
    k += (size_t)sprintf(deep, "{\"units\": ");
    for (size_t i = 0; i < depth; i++) deep[k++] = '[';
    for (size_t i = 0; i < depth; i++) deep[k++] = ']';
    deep[k++] = '}';
    deep[k] = 0;
    CHECK_FAIL(m, seqnn_model_add(m, "Dense", deep), SEQNN_FORMAT_ERROR, "deep");
    free(deep);
    /* JSON that is well-formed but not an object */
    int rc = seqnn_model_add(m, "Dense", "[1, 2]");
    CHECKF(rc == SEQNN_FORMAT_ERROR || rc == SEQNN_INVALID_ARGUMENT, "config [1, 2] -> %d", rc);
    rc = seqnn_model_add(m, "Dense", "null");
    CHECKF(rc == SEQNN_FORMAT_ERROR || rc == SEQNN_INVALID_ARGUMENT, "config null -> %d", rc);
    CHECK(seqnn_model_layer_count(m) == 0);
    /* invalid UTF-8 */
    CHECK_FAIL(m, seqnn_model_add(m, "Dense\xff", "{}"), SEQNN_INVALID_ARGUMENT, "UTF-8");
    int64_t shape[1] = {4};
    CHECK_OK(seqnn_model_set_input(m, shape, 1, 0));
    CHECK_OK(seqnn_model_add_dense(m, 2, "softmax"));
    CHECK_FAIL(m, seqnn_model_compile(m, "{\"class_name\": ", "mse", NULL), SEQNN_FORMAT_ERROR, "JSON");
    CHECK_FAIL(m, seqnn_model_compile(m, "sgd", "{\"class_name\" \"MeanSquaredError\"}", NULL), SEQNN_FORMAT_ERROR, "JSON");
    CHECK_FAIL(m, seqnn_model_compile(m, "sgd", "mse", "[\"accuracy\""), SEQNN_FORMAT_ERROR, "JSON");
    seqnn_model_free(m);
}

static void test_numeric(void) {
    t_begin("NaN and Inf");
    seqnn_model *m = binary_model(1);
    CHECK_OK(seqnn_model_compile(m, "rmsprop", "binary_crossentropy", "accuracy"));
    float *x = malloc(10 * D * sizeof(float)), y[10], out[10];
    memcpy(x, dummy_x, 10 * D * sizeof(float));
    memcpy(y, dummy_y_bin, sizeof y);
    x[3 * D + 7] = NAN;
    double r[2];
    CHECK_FAIL(m, seqnn_model_fit(m, x, 10 * D, y, 10, NULL, NULL), SEQNN_NUMERIC_ERROR, "x");
    CHECK(contains(seqnn_model_last_error(m), "sample 3"));
    CHECK_FAIL(m, seqnn_model_evaluate(m, x, 10 * D, y, 10, 0, r, 2, NULL), SEQNN_NUMERIC_ERROR, "nan");
    CHECK_FAIL(m, seqnn_model_train_on_batch(m, x, 10 * D, y, 10, r, 2, NULL), SEQNN_NUMERIC_ERROR, "nan");
    CHECK_FAIL(m, seqnn_model_predict(m, x, 10 * D, 0, out, 10, NULL), SEQNN_NUMERIC_ERROR, "nan");
    x[3 * D + 7] = INFINITY;
    CHECK_FAIL(m, seqnn_model_fit(m, x, 10 * D, y, 10, NULL, NULL), SEQNN_NUMERIC_ERROR, "inf");
    x[3 * D + 7] = 0.5f;
    y[6] = NAN;
    CHECK_FAIL(m, seqnn_model_fit(m, x, 10 * D, y, 10, NULL, NULL), SEQNN_NUMERIC_ERROR, "y");
    CHECK(contains(seqnn_model_last_error(m), "sample 6"));
    y[6] = -INFINITY;
    CHECK_FAIL(m, seqnn_model_evaluate(m, x, 10 * D, y, 10, 0, r, 2, NULL), SEQNN_NUMERIC_ERROR, "y");
    y[6] = 1;
    /* validation data is checked too */
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    float vy[2] = {0, NAN};
    o.validation_x = x;
    o.validation_x_len = 2 * D;
    o.validation_y = vy;
    o.validation_y_len = 2;
    CHECK_FAIL(m, seqnn_model_fit(m, x, 10 * D, y, 10, &o, NULL), SEQNN_NUMERIC_ERROR, "validation");
    /* nothing was trained by the failed calls */
    float b0[32], b1[32];
    CHECK_OK(seqnn_model_get_weight(m, 0, 1, b0, 32, NULL));
    for (int i = 0; i < 32; i++) CHECK(b0[i] == 0.0f);
    /* NaN weights */
    float w[32];
    memcpy(w, b0, sizeof w);
    w[17] = NAN;
    CHECK_FAIL(m, seqnn_model_set_weight(m, 0, 1, w, 32), SEQNN_NUMERIC_ERROR, "index 17");
    w[17] = -INFINITY;
    CHECK_FAIL(m, seqnn_model_set_weight(m, 0, 1, w, 32), SEQNN_NUMERIC_ERROR, "not finite");
    CHECK_OK(seqnn_model_get_weight(m, 0, 1, b1, 32, NULL));
    CHECK(memcmp(b0, b1, sizeof b0) == 0);   /* unchanged */
    free(x);
    seqnn_model_free(m);
}

static void test_sparse_labels(void) {
    t_begin("sparse labels out of range");
    seqnn_model *m = multiclass_model(1);
    CHECK_OK(seqnn_model_compile(m, "rmsprop", "sparse_categorical_crossentropy", "accuracy"));
    float y[10];
    memcpy(y, dummy_y_cls, sizeof y);
    double r[2];
    CHECK_OK(seqnn_model_fit(m, dummy_x, 10 * D, y, 10, NULL, NULL));
    y[4] = 10;
    CHECK_FAIL(m, seqnn_model_fit(m, dummy_x, 10 * D, y, 10, NULL, NULL), SEQNN_INVALID_ARGUMENT, "[0, 10)");
    CHECK(contains(seqnn_model_last_error(m), "sample 4"));
    y[4] = -1;
    CHECK_FAIL(m, seqnn_model_evaluate(m, dummy_x, 10 * D, y, 10, 0, r, 2, NULL), SEQNN_INVALID_ARGUMENT, "-1");
    y[4] = 2.5f;
    CHECK_FAIL(m, seqnn_model_train_on_batch(m, dummy_x, 10 * D, y, 10, r, 2, NULL), SEQNN_INVALID_ARGUMENT, "2.5");
    y[4] = 1e30f;
    CHECK_FAIL(m, seqnn_model_fit(m, dummy_x, 10 * D, y, 10, NULL, NULL), SEQNN_INVALID_ARGUMENT, "integer labels");
    seqnn_model_free(m);
}

static void test_metric_failure(void) {
    t_begin("custom metric returning non-zero");
    seqnn_model *m = binary_model(1);
    metric_state st = {.fail_after = 3};
    CHECK_OK(seqnn_model_add_metric(m, "mean_pred", mean_pred, &st));
    CHECK_OK(seqnn_model_compile(m, "rmsprop", "binary_crossentropy", "accuracy,mean_pred"));
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.epochs = 5;
    seqnn_history *h = (seqnn_history *)(uintptr_t)1;
    CHECK_FAIL(m, seqnn_model_fit(m, dummy_x, (size_t)N * D, dummy_y_bin, N, &o, &h), SEQNN_CALLBACK_STOPPED, "mean_pred");
    CHECK(h == NULL);
    CHECK(st.calls == 3);
    CHECK(contains(seqnn_model_last_error(m), "7"));   /* the code it returned */
    double r[3];
    st.calls = 0;
    CHECK_FAIL(m, seqnn_model_evaluate(m, dummy_x, (size_t)N * D, dummy_y_bin, N, 0, r, 3, NULL), SEQNN_CALLBACK_STOPPED, "mean_pred");
    st.calls = 0;
    st.fail_after = 1;
    CHECK_FAIL(m, seqnn_model_train_on_batch(m, dummy_x, 10 * D, dummy_y_bin, 10, r, 3, NULL), SEQNN_CALLBACK_STOPPED, "mean_pred");
    /* the model is usable afterwards */
    st.fail_after = 0;
    CHECK_OK(seqnn_model_fit(m, dummy_x, 100 * D, dummy_y_bin, 100, &o, NULL));
    seqnn_model_free(m);
}

static void test_bad_options(void) {
    t_begin("options with a bad struct_size");
    seqnn_model *m = binary_model(1);
    CHECK_OK(seqnn_model_compile(m, "sgd", "mse", NULL));
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.struct_size = 0;
    CHECK_FAIL(m, seqnn_model_fit(m, dummy_x, 10 * D, dummy_y_bin, 10, &o, NULL), SEQNN_INVALID_ARGUMENT, "struct_size");
    o.struct_size = sizeof o - 1;
    CHECK_FAIL(m, seqnn_model_fit(m, dummy_x, 10 * D, dummy_y_bin, 10, &o, NULL), SEQNN_INVALID_ARGUMENT, "struct_size");
    o.struct_size = 8;
    CHECK_FAIL(m, seqnn_model_fit(m, dummy_x, 10 * D, dummy_y_bin, 10, &o, NULL), SEQNN_INVALID_ARGUMENT, "seqnn_fit_options_init");
    /* a larger struct (a newer header) is accepted */
    o.struct_size = sizeof o + 64;
    o.on_epoch_end = dummy_epoch;
    CHECK_OK(seqnn_model_fit(m, dummy_x, 10 * D, dummy_y_bin, 10, &o, NULL));
    seqnn_model_free(m);
}

/* The per-thread message: set on this thread, not on another. */
typedef struct {
    char before[64];
    char after[256];
    int rc;
} thread_probe;

static void *other_thread(void *arg) {
    thread_probe *p = arg;
    snprintf(p->before, sizeof p->before, "%s", seqnn_last_error());
    p->rc = seqnn_set_num_threads(-9);
    snprintf(p->after, sizeof p->after, "%s", seqnn_last_error());
    return NULL;
}

static void test_last_error(void) {
    t_begin("seqnn_last_error per thread");
    float bad[1] = {-2};
    float out[4];
    CHECK_FAIL(NULL, seqnn_to_categorical(bad, 1, 0, out, 4, NULL, NULL), SEQNN_INVALID_ARGUMENT, "-2");
    CHECK(contains(seqnn_last_error(), "seqnn_to_categorical"));
    const char *mine = seqnn_last_error();
    char copy[256];
    snprintf(copy, sizeof copy, "%s", mine);
    thread_probe p = {{0}, {0}, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, other_thread, &p) == 0);
    pthread_join(t, NULL);
    CHECKF(p.before[0] == 0, "a new thread starts with \"\", found \"%s\"", p.before);
    CHECK(p.rc == SEQNN_INVALID_ARGUMENT && contains(p.after, "-9"));
    CHECKF(strcmp(seqnn_last_error(), copy) == 0, "this thread's message changed to \"%s\"", seqnn_last_error());
    /* the model message and the thread message agree; a success does not clear either */
    seqnn_model *m = seqnn_model_create(1);
    CHECK(seqnn_model_last_error(m) != NULL && seqnn_model_last_error(m)[0] == 0);
    CHECK_FAIL(m, seqnn_model_add_dense(m, -1, NULL), SEQNN_INVALID_ARGUMENT, "units");
    CHECK(strcmp(seqnn_model_last_error(m), seqnn_last_error()) == 0);
    CHECK_OK(seqnn_model_add_dense(m, 1, NULL));
    CHECK(contains(seqnn_model_last_error(m), "units"));
    /* an error on another model does not touch this one */
    seqnn_model *m2 = seqnn_model_create(1);
    CHECK_FAIL(m2, seqnn_model_pop(m2), SEQNN_INVALID_ARGUMENT, "no layers");
    CHECK(contains(seqnn_model_last_error(m), "units"));
    /* 20 failures: the newest message is returned */
    for (int i = 0; i < 20; i++) (void)seqnn_model_add_dense(m, -100 - i, NULL);
    CHECK(contains(seqnn_model_last_error(m), "-119"));
    seqnn_model_free(m2);
    seqnn_model_free(m);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Model files: the C side of save/load (argument checks, round trip)                                  */
/* ---------------------------------------------------------------------------------------------------- */

static char tmpdir[256];

static void test_files(void) {
    t_begin("model files");
    snprintf(tmpdir, sizeof tmpdir, "%s/seqnn-test-api-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir)) {
        CHECKF(0, "mkdtemp failed");
        return;
    }
    char path[512], text_path[512], missing[512];
    snprintf(path, sizeof path, "%s/model.h5", tmpdir);
    snprintf(text_path, sizeof text_path, "%s/not-a-model.h5", tmpdir);
    snprintf(missing, sizeof missing, "%s/no-such-dir/model.h5", tmpdir);

    /* NULL handles and arguments */
    seqnn_model *out = (seqnn_model *)(uintptr_t)1;
    CHECK_FAIL(NULL, seqnn_model_save(NULL, path, NULL), SEQNN_INVALID_ARGUMENT, "model is NULL");
    CHECK_FAIL(NULL, seqnn_model_load_weights(NULL, path), SEQNN_INVALID_ARGUMENT, "model is NULL");
    CHECK_FAIL(NULL, seqnn_model_load(NULL, 0, &out), SEQNN_INVALID_ARGUMENT, "path");
    CHECK(out == NULL);
    CHECK_FAIL(NULL, seqnn_model_load(path, 0, NULL), SEQNN_INVALID_ARGUMENT, "model");
    seqnn_save_options_init(NULL);

    /* an unbuilt model cannot be saved; bad options; a folder that does not exist */
    seqnn_model *u = seqnn_model_create(1);
    CHECK_OK(seqnn_model_add_dense(u, 3, NULL));
    int rc = seqnn_model_save(u, path, NULL);
    CHECKF(rc == SEQNN_NOT_BUILT && seqnn_model_last_error(u)[0], "save unbuilt -> %d: %s", rc, seqnn_last_error());
    CHECK_FAIL(u, seqnn_model_save(u, NULL, NULL), SEQNN_INVALID_ARGUMENT, "path");
    seqnn_model_free(u);

    seqnn_model *m = tutorial_json(21);
    CHECK_OK(seqnn_model_compile(m, "adam", "categorical_crossentropy", "accuracy"));
    static float x[64 * 784], y[64 * 10];
    t_seed(99);
    for (size_t i = 0; i < 64 * 784; i++) x[i] = t_uniform();
    for (int i = 0; i < 64; i++) y[i * 10 + i % 10] = 1;
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.epochs = 2;
    CHECK_OK(seqnn_model_fit(m, x, 64 * 784, y, 640, &o, NULL));
    seqnn_save_options so;
    seqnn_save_options_init(&so);
    CHECK(so.struct_size == sizeof so && so.include_optimizer == 1 && so.test_x == NULL);
    so.struct_size = 4;
    CHECK_FAIL(m, seqnn_model_save(m, path, &so), SEQNN_INVALID_ARGUMENT, "struct_size");
    seqnn_save_options_init(&so);
    rc = seqnn_model_save(m, missing, &so);
    CHECKF(rc == SEQNN_IO_ERROR && contains(seqnn_model_last_error(m), "no-such-dir"), "save into a missing folder -> %d: %s",
           rc, seqnn_model_last_error(m));

    /* round trip: same layers, same predictions, still compiled */
    CHECK_OK(seqnn_model_save(m, path, &so));
    seqnn_model *l = NULL;
    CHECK_OK(seqnn_model_load(path, 5, &l));
    CHECK(l != NULL);
    if (l) {
        CHECK(seqnn_model_layer_count(l) == 4);
        for (size_t i = 0; i < 4; i++)
            CHECK(strcmp(seqnn_model_layer_name(l, i), seqnn_model_layer_name(m, i)) == 0 &&
                  strcmp(seqnn_model_layer_class(l, i), seqnn_model_layer_class(m, i)) == 0);
        static float pm[64 * 10], pl[64 * 10];
        CHECK_OK(seqnn_model_predict(m, x, 64 * 784, 16, pm, 640, NULL));
        CHECK_OK(seqnn_model_predict(l, x, 64 * 784, 16, pl, 640, NULL));
        CHECK(memcmp(pm, pl, sizeof pm) == 0);
        size_t count = 0;
        CHECK_OK(seqnn_model_metric_count(l, &count));
        CHECK(count == 2);
        /* training resumes identically on both */
        o.shuffle = 0;
        CHECK_OK(seqnn_model_fit(m, x, 64 * 784, y, 640, &o, NULL));
        CHECK_OK(seqnn_model_fit(l, x, 64 * 784, y, 640, &o, NULL));
        CHECK_OK(seqnn_model_predict(m, x, 64 * 784, 16, pm, 640, NULL));
        CHECK_OK(seqnn_model_predict(l, x, 64 * 784, 16, pl, 640, NULL));
        CHECKF(memcmp(pm, pl, sizeof pm) == 0, "resumed training differs: max |diff| %g", max_diff(pm, pl, 640));

        /* load_weights into a fresh model of the same architecture */
        CHECK_OK(seqnn_model_save(l, path, NULL));
        seqnn_model *f = tutorial_json(77);
        CHECK_OK(seqnn_model_load_weights(f, path));
        static float pf[64 * 10];
        CHECK_OK(seqnn_model_predict(f, x, 64 * 784, 16, pf, 640, NULL));
        CHECK(memcmp(pf, pl, sizeof pf) == 0);
        seqnn_model_free(f);
        /* ... and into another architecture: refused, model unchanged */
        seqnn_model *g = multiclass_model(1);
        float before[320], after[320];
        CHECK_OK(seqnn_model_get_weight(g, 1, 0, before, 320, NULL));
        rc = seqnn_model_load_weights(g, path);
        CHECKF(rc != SEQNN_OK && seqnn_model_last_error(g)[0], "load_weights into another architecture -> %d", rc);
        CHECK_OK(seqnn_model_get_weight(g, 1, 0, after, 320, NULL));
        CHECK(memcmp(before, after, sizeof before) == 0);
        seqnn_model_free(g);
        seqnn_model_free(l);
    }

    /* files that are not models */
    FILE *fp = fopen(text_path, "w");
    if (fp) {
        fputs("this is not HDF5\n", fp);
        fclose(fp);
    }
    out = (seqnn_model *)(uintptr_t)1;
    CHECK_FAIL(NULL, seqnn_model_load(text_path, 0, &out), SEQNN_FORMAT_ERROR, "HDF5");
    CHECK(out == NULL);
    CHECK_FAIL(m, seqnn_model_load_weights(m, text_path), SEQNN_FORMAT_ERROR, "HDF5");
    rc = seqnn_model_load(missing, 0, &out);
    CHECKF(rc == SEQNN_IO_ERROR && contains(seqnn_last_error(), "no-such-dir"), "load a missing file -> %d: %s", rc,
           seqnn_last_error());
    rc = seqnn_model_load(tmpdir, 0, &out);   /* a folder */
    CHECKF(rc == SEQNN_IO_ERROR && out == NULL, "load a folder -> %d: %s", rc, seqnn_last_error());

    /* a custom metric is stored by name and must be registered again before fit */
    seqnn_model *c = binary_model(3);
    metric_state st = {0};
    CHECK_OK(seqnn_model_add_metric(c, "mean_pred", mean_pred, &st));
    CHECK_OK(seqnn_model_compile(c, "rmsprop", "binary_crossentropy", "accuracy,mean_pred"));
    CHECK_OK(seqnn_model_save(c, path, NULL));
    seqnn_model *lc = NULL;
    CHECK_OK(seqnn_model_load(path, 0, &lc));
    if (lc) {
        o.epochs = 1;
        rc = seqnn_model_fit(lc, dummy_x, 100 * D, dummy_y_bin, 100, &o, NULL);
        CHECKF(rc != SEQNN_OK && contains(seqnn_model_last_error(lc), "mean_pred"),
               "fit before registering mean_pred -> %d: %s", rc, seqnn_model_last_error(lc));
        CHECK_OK(seqnn_model_add_metric(lc, "mean_pred", mean_pred, &st));
        seqnn_history *h = NULL;
        CHECK_OK(seqnn_model_fit(lc, dummy_x, 100 * D, dummy_y_bin, 100, &o, &h));
        CHECK(seqnn_history_key_count(h) == 3 && strcmp(seqnn_history_key(h, 2), "mean_pred") == 0);
        seqnn_history_free(h);
        seqnn_model_free(lc);
    }
    seqnn_model_free(c);
    seqnn_model_free(m);
    remove(path);
    remove(text_path);
    rmdir(tmpdir);
}

/* ---------------------------------------------------------------------------------------------------- */
/* Inputs that could kill the process (huge sizes, integer overflow): run in a child                    */
/* ---------------------------------------------------------------------------------------------------- */

static int huge_input_shape(void) {
    seqnn_model *m = seqnn_model_create(1);
    int64_t shape[2] = {(int64_t)1 << 40, (int64_t)1 << 40};   /* 2^80 floats per sample */
    int rc = seqnn_model_set_input(m, shape, 2, 0);
    size_t sz = 0;
    if (rc == SEQNN_OK) rc = seqnn_model_input_size(m, &sz);
    if (rc == SEQNN_OK) rc = seqnn_model_add_dense(m, 1, NULL);
    seqnn_model_free(m);
    return rc;
}

static int json_input_shape_overflow(void) {
    seqnn_model *m = seqnn_model_create(1);
    int rc = seqnn_model_add(m, "Activation", "{\"activation\": \"relu\", \"input_shape\": [4294967296, 4294967296]}");
    size_t sz = 0;
    if (rc == SEQNN_OK) rc = seqnn_model_input_size(m, &sz);
    seqnn_model_free(m);
    return rc;
}

static int huge_dense_units(void) {
    seqnn_model *m = seqnn_model_create(1);
    int64_t shape[1] = {784};
    (void)seqnn_model_set_input(m, shape, 1, 0);
    int rc = seqnn_model_add_dense(m, (int64_t)1 << 40, NULL);   /* a 3.4 PB kernel */
    seqnn_model_free(m);
    return rc;
}

static int overflowing_dense_units(void) {
    seqnn_model *m = seqnn_model_create(1);
    int64_t shape[1] = {784};
    (void)seqnn_model_set_input(m, shape, 1, 0);
    int rc = seqnn_model_add_dense(m, INT64_MAX, NULL);   /* 784 * units overflows */
    seqnn_model_free(m);
    return rc;
}

static int huge_dense_json(void) {
    seqnn_model *m = seqnn_model_create(1);
    int rc = seqnn_model_add(m, "Dense", "{\"units\": 8000000000000000, \"input_dim\": 784}");
    seqnn_model_free(m);
    return rc;
}

static int huge_to_categorical(void) {
    float labels[2] = {0, 1}, out[4];
    return seqnn_to_categorical(labels, 2, INT64_MAX, out, 4, NULL, NULL);   /* 2 * INT64_MAX overflows */
}

static int huge_to_categorical_alloc(void) {
    float labels[1] = {0}, out[4];
    return seqnn_to_categorical(labels, 1, (int64_t)1 << 42, out, 4, NULL, NULL);   /* 16 TB */
}

static seqnn_model *small_compiled(const char *loss) {
    seqnn_model *m = seqnn_model_create(1);
    int64_t shape[1] = {4};
    (void)seqnn_model_set_input(m, shape, 1, 0);
    (void)seqnn_model_add_dense(m, 1, NULL);
    (void)seqnn_model_compile(m, "sgd", loss, NULL);
    return m;
}

static int fit_huge_batch(void) {
    seqnn_model *m = small_compiled("mse");
    float x[8] = {0}, y[2] = {0};
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.batch_size = INT64_MAX;
    int rc = seqnn_model_fit(m, x, 8, y, 2, &o, NULL);
    seqnn_model_free(m);
    return rc == SEQNN_OK ? 0 : rc;
}

static int predict_huge_batch(void) {
    seqnn_model *m = small_compiled("mse");
    float x[8] = {0}, out[2];
    int rc = seqnn_model_predict(m, x, 8, INT64_MAX, out, 2, NULL);
    double r[1];
    if (rc == SEQNN_OK) rc = seqnn_model_evaluate(m, x, 8, out, 2, INT64_MAX, r, 1, NULL);
    seqnn_model_free(m);
    return rc;
}

static int fixed_huge_batch_fit(void) {
    seqnn_model *m = seqnn_model_create(1);
    int64_t shape[1] = {4};
    (void)seqnn_model_set_input(m, shape, 1, INT64_MAX);   /* a fixed batch size of INT64_MAX */
    (void)seqnn_model_add_dense(m, 1, NULL);
    (void)seqnn_model_compile(m, "sgd", "mse", NULL);
    float x[8] = {0}, y[2] = {0};
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    int rc = seqnn_model_fit(m, x, 8, y, 2, &o, NULL);
    seqnn_model_free(m);
    return rc;
}

static int class_weight_huge_target(void) {
    seqnn_model *m = small_compiled("mse");   /* one output column: class = int(y) */
    float x[8] = {0}, y[2] = {1e30f, 0}, cw[2] = {1, 2};
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.class_weight = cw;
    o.class_weight_len = 2;
    int rc = seqnn_model_fit(m, x, 8, y, 2, &o, NULL);
    seqnn_model_free(m);
    return rc;
}

static int class_weight_negative_huge_target(void) {
    seqnn_model *m = small_compiled("mse");
    float x[8] = {0}, y[2] = {-1e30f, 0}, cw[1] = {2};
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.class_weight = cw;
    o.class_weight_len = 1;
    int rc = seqnn_model_fit(m, x, 8, y, 2, &o, NULL);
    seqnn_model_free(m);
    return rc;
}

static int class_weight_fractional_target(void) {
    seqnn_model *m = small_compiled("binary_crossentropy");
    float x[8] = {0}, y[2] = {0.7f, 0}, cw[2] = {1, 2};
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.class_weight = cw;
    o.class_weight_len = 2;
    int rc = seqnn_model_fit(m, x, 8, y, 2, &o, NULL);
    seqnn_model_free(m);
    return rc;
}

static int reshape_bad_target(void) {
    seqnn_model *m = seqnn_model_create(1);
    int rc = seqnn_model_add(m, "Reshape", "{\"target_shape\": [0, -1], \"input_shape\": [6]}");
    if (rc == SEQNN_OK) rc = seqnn_model_add(m, "Reshape", "{\"target_shape\": [7], \"input_shape\": [6]}");
    seqnn_model_free(m);
    return rc;
}

static int reshape_huge_target(void) {
    seqnn_model *m = seqnn_model_create(1);
    int rc = seqnn_model_add(m, "Reshape", "{\"target_shape\": [4294967296, 4294967296, 4], \"input_shape\": [6]}");
    seqnn_model_free(m);
    return rc;
}

static int topk_bad_k(void) {
    seqnn_model *m = seqnn_model_create(1);
    int64_t shape[1] = {4};
    (void)seqnn_model_set_input(m, shape, 1, 0);
    (void)seqnn_model_add_dense(m, 3, "softmax");
    int rc = seqnn_model_compile(m, "sgd", "categorical_crossentropy",
                                 "[{\"class_name\": \"TopKCategoricalAccuracy\", \"config\": {\"k\": -5}}]");
    if (rc == SEQNN_OK) {
        float x[4] = {0}, y[3] = {1, 0, 0};
        double r[2];
        rc = seqnn_model_evaluate(m, x, 4, y, 3, 0, r, 2, NULL);
        rc = rc == SEQNN_OK ? 0 : rc;
    }
    seqnn_model_free(m);
    return rc;
}

static void test_no_crash_extremes(void) {
    t_begin("extreme inputs (isolated in a child process)");
    CHECK_ISOLATED(huge_input_shape, ANY_FAILURE);
    CHECK_ISOLATED(json_input_shape_overflow, ANY_FAILURE);
    CHECK_ISOLATED(huge_dense_units, ANY_FAILURE);
    CHECK_ISOLATED(overflowing_dense_units, ANY_FAILURE);
    CHECK_ISOLATED(huge_dense_json, ANY_FAILURE);
    CHECK_ISOLATED(huge_to_categorical, ANY_FAILURE);
    CHECK_ISOLATED(huge_to_categorical_alloc, ANY_FAILURE);
    CHECK_ISOLATED(fit_huge_batch, SEQNN_OK);
    CHECK_ISOLATED(predict_huge_batch, SEQNN_OK);
    CHECK_ISOLATED(fixed_huge_batch_fit, SEQNN_OK);
    CHECK_ISOLATED(class_weight_huge_target, NO_CRASH);   /* Keras: weight 1 for an unlisted class */
    CHECK_ISOLATED(class_weight_negative_huge_target, NO_CRASH);
    CHECK_ISOLATED(class_weight_fractional_target, SEQNN_OK);
    CHECK_ISOLATED(reshape_bad_target, ANY_FAILURE);
    CHECK_ISOLATED(reshape_huge_target, ANY_FAILURE);
    CHECK_ISOLATED(topk_bad_k, SEQNN_OK);
}

/* Shapes, compile state, learning rate and the stored History (appended to the ABI after the first set). */
static int lr_halving_callback(void *user_data, int64_t epoch, const char *const *names, const double *values, size_t count) {
    (void)epoch; (void)names; (void)values; (void)count;
    seqnn_model *m = user_data;
    double lr = 0;
    if (seqnn_model_get_learning_rate(m, &lr) != SEQNN_OK) return 1;
    return seqnn_model_set_learning_rate(m, lr / 2) != SEQNN_OK;   /* ReduceLROnPlateau-style, from the callback */
}

static void test_shapes_and_training_state(void) {
    t_begin("shapes, compile state, learning rate, stored History");
    seqnn_model *m = seqnn_model_create(3);
    int64_t shape[4] = {0};
    size_t ndim = 0;
    int64_t batch = -1;
    CHECK_FAIL(m, seqnn_model_input_shape(m, shape, 4, &ndim, &batch), SEQNN_NOT_BUILT, "input shape");
    CHECK_OK(seqnn_model_add(m, "Dense", "{\"units\": 4, \"input_shape\": [6, 8], \"batch_size\": 32}"));
    CHECK_OK(seqnn_model_input_shape(m, shape, 4, &ndim, &batch));
    CHECK(ndim == 2 && shape[0] == 6 && shape[1] == 8 && batch == 32);
    CHECK_FAIL(m, seqnn_model_input_shape(m, shape, 1, &ndim, NULL), SEQNN_BUFFER_TOO_SMALL, "rank");
    CHECK(ndim == 2);
    CHECK_OK(seqnn_model_layer_output_shape(m, 0, shape, 4, &ndim));
    CHECK(ndim == 2 && shape[0] == 6 && shape[1] == 4);
    CHECK_FAIL(m, seqnn_model_layer_output_shape(m, 7, shape, 4, &ndim), SEQNN_INVALID_ARGUMENT, "out of range");
    CHECK(seqnn_model_is_compiled(m) == 0 && seqnn_model_is_compiled(NULL) == 0);
    double lr = 0;
    CHECK_FAIL(m, seqnn_model_get_learning_rate(m, &lr), SEQNN_NOT_COMPILED, "not compiled");
    seqnn_model_free(m);

    m = multiclass_model(4);
    CHECK_OK(seqnn_model_compile(m, "{\"class_name\": \"SGD\", \"config\": {\"learning_rate\": 0.08}}", "categorical_crossentropy", NULL));
    CHECK(seqnn_model_is_compiled(m) == 1);
    CHECK_OK(seqnn_model_get_learning_rate(m, &lr));
    CHECK(fabs(lr - 0.08) < 1e-7);
    CHECK_FAIL(m, seqnn_model_set_learning_rate(m, -1), SEQNN_INVALID_ARGUMENT, "learning rate");
    CHECK_FAIL(m, seqnn_model_set_learning_rate(m, NAN), SEQNN_INVALID_ARGUMENT, "learning rate");
    seqnn_history *h = NULL;
    CHECK_FAIL(m, seqnn_model_history(m, &h), SEQNN_INVALID_ARGUMENT, "History");
    CHECK(h == NULL);
    float y[64 * 10];
    float labels[64];
    for (int i = 0; i < 64; i++) labels[i] = (float)(i % 10);
    CHECK_OK(seqnn_to_categorical(labels, 64, 10, y, 640, NULL, NULL));
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.epochs = 3;
    o.verbose = 0;
    o.on_epoch_end = lr_halving_callback;
    o.epoch_user_data = m;
    CHECK_OK(seqnn_model_fit(m, dummy_x, 64 * D, y, 640, &o, NULL));
    CHECK_OK(seqnn_model_get_learning_rate(m, &lr));
    CHECKF(fabs(lr - 0.01) < 1e-7, "three halvings from a callback: %g", lr);
    CHECK_OK(seqnn_model_history(m, &h));
    CHECK(seqnn_history_epochs(h) == 3);
    seqnn_history_free(h);
    const char *path = "/tmp/seqnn-ctest-history.h5";
    CHECK_OK(seqnn_model_save(m, path, NULL));
    seqnn_model *back = NULL;
    CHECK_OK(seqnn_model_load(path, 0, &back));
    CHECK_OK(seqnn_model_history(back, &h));
    CHECK(seqnn_history_epochs(h) == 3);
    double back_lr = 0;
    CHECK_OK(seqnn_model_get_learning_rate(back, &back_lr));
    CHECK(fabs(back_lr - 0.01) < 1e-7);
    seqnn_history_free(h);
    seqnn_model_free(back);
    seqnn_model_free(m);
    remove(path);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-v") == 0) t_verbose = 1;
    if (getenv("SEQNN_TEST_VERBOSE")) t_verbose = 1;
    make_dummy_data();

    test_default_single_thread();
    test_library_facts();
    test_tutorial_build();
    test_input_forms();
    test_compile_variants();
    test_binary_fit();
    test_multiclass_fit();
    test_predict();
    test_train_on_batch();
    test_weights();
    test_callbacks_and_validation();
    test_class_weight();
    test_silence();
    test_determinism();
    test_to_categorical();
    test_shapes_and_training_state();

    test_null_model();
    test_null_buffers();
    test_bad_sizes();
    test_shape_mismatch();
    test_small_buffers();
    test_order_of_calls();
    test_unknown_names();
    test_malformed_json();
    test_numeric();
    test_sparse_labels();
    test_metric_failure();
    test_bad_options();
    test_last_error();
    test_files();
    if (!getenv("SEQNN_TEST_NO_FORK")) test_no_crash_extremes();

    free(dummy_x);
    printf("test_api: %d passed, %d failed\n", t_passed, t_failed);
    return t_failed == 0 ? 0 : 1;
}
