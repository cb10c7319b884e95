/*
 * harness.h - what the C API tests (Tests/c/test_*.c, except test_alloc.c) share: check macros and
 * counters, deterministic data, a crash probe in a child process, and the tutorial's models and data.
 * harness.c defines it all; each test file is its own program that links harness.c and ends in
 *
 *     int main(int argc, char **argv) { return t_run("test_x", argc, argv, tests, T_COUNT(tests)); }
 *
 * Every check prints nothing when it passes (unless -v or SEQNN_TEST_VERBOSE is set) and a line
 * "FAIL file.c:line [section] what" when it fails; t_run prints "test_x: N passed, M failed" and the
 * program exits non-zero on any failure. Tests/c/run.sh builds and runs them all; one by hand:
 *
 *     cc -std=c11 -Wall -Wextra -Werror -IInclude Tests/c/test_x.c Tests/c/harness.c -o test_x \
 *        -L.build/install/lib -Wl,-rpath,$PWD/.build/install/lib -lseqnn -lpthread -lm
 *     ./test_x [-v]
 */
#ifndef SEQNN_TESTS_HARNESS_H
#define SEQNN_TESTS_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "seqnn.h"

/* ---- counters and checks ---- */

extern int t_passed, t_failed, t_verbose;

/* Names the group of checks that follow, for the FAIL lines. */
void t_begin(const char *name);
/* Counts one check; prints it when it failed (or always with -v). */
void t_report(int ok, const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define CHECK(cond) t_report(!!(cond), __FILE__, __LINE__, "%s", #cond)
#define CHECKF(cond, ...) t_report(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* The call returns SEQNN_OK; otherwise print its status and the thread's message. */
#define CHECK_OK(call)                                                                                   \
    do {                                                                                                 \
        int rc_ = (call);                                                                                \
        t_report(rc_ == SEQNN_OK, __FILE__, __LINE__, "%s -> %d (%s) %s", #call, rc_,                    \
                 seqnn_status_string(rc_), rc_ == SEQNN_OK ? "" : seqnn_last_error());                   \
    } while (0)

int contains(const char *text, const char *word);

/* The call returns `want` and its message is non-empty and mentions `word`, on the thread
 * (seqnn_last_error) and, for a non-NULL model, on the model (seqnn_model_last_error). One check for the
 * status, plus one per message when the call failed. */
#define CHECK_FAIL(model, call, want, word)                                                              \
    do {                                                                                                 \
        int rc_ = (call);                                                                                \
        const char *te_ = seqnn_last_error();                                                            \
        t_report(rc_ == (int)(want), __FILE__, __LINE__, "%s -> %d (%s), expected %d (%s); message: %s", \
                 #call, rc_, seqnn_status_string(rc_), (int)(want), seqnn_status_string(want), te_);     \
        if (rc_ != SEQNN_OK) {                                                                           \
            t_report(te_ && te_[0] && contains(te_, word), __FILE__, __LINE__,                           \
                     "%s: seqnn_last_error should mention \"%s\": \"%s\"", #call, word, te_);            \
            if (model) {                                                                                 \
                const char *me_ = seqnn_model_last_error(model);                                         \
                t_report(me_ && me_[0] && contains(me_, word), __FILE__, __LINE__,                       \
                         "%s: seqnn_model_last_error should mention \"%s\": \"%s\"", #call, word, me_);  \
            }                                                                                            \
        }                                                                                                \
    } while (0)

/*
 * Runs `fn` in a forked child and checks it neither crashes nor succeeds: the child exits with the
 * status `fn` returns (expected: a failure status with a message), a crash (SIGILL from a Swift trap,
 * SIGSEGV, SIGABRT) is reported with its signal. For inputs that might kill the host process.
 */
typedef int (*isolated_fn)(void);
/* `want` values beyond the statuses: any failure with a message; any status, as long as a failure has a message */
enum { ANY_FAILURE = -1, NO_CRASH = -2 };
void t_isolated(const char *file, int line, const char *what, isolated_fn fn, int want);
#define CHECK_ISOLATED(fn, want) t_isolated(__FILE__, __LINE__, #fn, fn, want)

/* ---- deterministic test data (xorshift64*), independent of the library's generator ---- */

void t_seed(uint64_t s);
float t_uniform(void);
int t_randint(int n);
float *randn_array(size_t n);   /* n uniform floats in [0, 1), malloc'ed */
double max_diff(const float *a, const float *b, size_t n);
int all_finite(const double *v, size_t n);

/* ---- models used throughout ---- */

/* The tutorial's list form through JSON configs:
 * Dense(32, input_shape=(784,)) -> Activation('relu') -> Dense(10) -> Activation('softmax'). */
seqnn_model *tutorial_json(uint64_t seed);
/* The same model through the typed helpers. */
seqnn_model *tutorial_typed(uint64_t seed);
/* Dense(32, relu, input_dim=100) -> Dense(1, sigmoid): the tutorial's binary classifier. */
seqnn_model *binary_model(uint64_t seed);
/* Dense(32, relu, input_dim=100) -> Dense(10, softmax): the tutorial's 10-class classifier. */
seqnn_model *multiclass_model(uint64_t seed);

/* The tutorial's custom metric: def mean_pred(y_true, y_pred): return K.mean(y_pred). Records what
 * it was called with. */
typedef struct {
    int calls;
    int64_t batch, pred_dim, true_dim;
    int fail_after;   /* > 0: return non-zero (7) from this call on */
} metric_state;
int mean_pred(void *user_data, const float *y_true, const float *y_pred, int64_t batch, int64_t pred_dim,
              int64_t true_dim, double *result);

/* The tutorial's dummy data, made by t_run before the tests: 1000 samples of 100 random features; labels
 * 0/1 (dummy_y_bin) or 0..9 (dummy_y_cls, and one-hot in dummy_y_onehot). */
enum { N = 1000, D = 100 };
extern float *dummy_x;
extern float dummy_y_bin[N];
extern float dummy_y_cls[N];
extern float dummy_y_onehot[N * 10];

/* ---- running ---- */

typedef void (*t_test)(void);
#define T_COUNT(array) (sizeof(array) / sizeof((array)[0]))
/* Reads -v, makes the dummy data, runs the tests in order, prints "<name>: N passed, M failed" and
 * returns main's exit status. */
int t_run(const char *name, int argc, char **argv, const t_test *tests, size_t count);

#endif
