/*
 * test_batches.c - batch-level callbacks (seqnn_batch_hook_fn) and batch sources (seqnn_batch_source).
 *
 * The hook's order and logs around fit (with validation), evaluate and predict, stopping from it and failing
 * in it; fit, evaluate and predict from an indexable source (a PyDataset) and from a stream (a generator),
 * checked bit for bit against the same data given as arrays; validation and sample weights from a source;
 * shuffling of an indexable source; a stream run until exhausted. Then misuse: NULL and uninitialised
 * structs, too many rows, a source that fails, NaN in a batch, a source without batches, a small buffer.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

enum { S = 10, IN = 4, OUT = 2, VS = 6 };
static float xs[S * IN], ys[S * OUT], vx[VS * IN], vy[VS * OUT];

static void make_data(void) {
    t_seed(7);
    for (int i = 0; i < S * IN; i++) xs[i] = t_uniform() * 2 - 1;
    for (int i = 0; i < S; i++) { ys[i * OUT + (i % 3 == 0)] = 1; }
    for (int i = 0; i < VS * IN; i++) vx[i] = t_uniform() * 2 - 1;
    for (int i = 0; i < VS; i++) { vy[i * OUT + (i % 2)] = 1; }
}

/* Dense(3, relu, input 4) -> Dense(2, softmax), SGD(0.1), the same weights for every seed-1 model. */
static seqnn_model *small_model(void) {
    seqnn_model *m = seqnn_model_create(1);
    seqnn_model_add(m, "Dense", "{\"units\": 3, \"activation\": \"relu\", \"input_shape\": [4]}");
    seqnn_model_add(m, "Dense", "{\"units\": 2, \"activation\": \"softmax\"}");
    seqnn_model_compile(m, "{\"class_name\": \"SGD\", \"config\": {\"learning_rate\": 0.1}}",
                        "categorical_crossentropy", "accuracy");
    return m;
}

static double weight_diff(seqnn_model *a, seqnn_model *b) {
    float wa[16], wb[16];
    double d = 0;
    for (size_t l = 0; l < 2; l++)
        for (size_t k = 0; k < 2; k++) {
            size_t na = 0, nb = 0;
            seqnn_model_get_weight(a, l, k, wa, 16, &na);
            seqnn_model_get_weight(b, l, k, wb, 16, &nb);
            if (na != nb) return INFINITY;
            double e = max_diff(wa, wb, na);
            if (e > d) d = e;
        }
    return d;
}

/* ---- a recording hook ---- */

typedef struct {
    int n;
    int32_t phase[64], end[64];
    int64_t batch[64];
    size_t count[64], outputs_len[64];
    double loss[64];
    float first_output[64];
    int stop_at;     /* > 0: return 1 at the end of train batch stop_at - 1 */
    int fail_at;     /* > 0: return -1 at event fail_at - 1 */
    int names_ok;
} recorder;

static int record(void *user, int32_t phase, int32_t end, int64_t batch, const char *const *names,
                  const double *values, size_t count, const float *outputs, size_t outputs_len) {
    recorder *r = user;
    int i = r->n < 64 ? r->n++ : 63;
    r->phase[i] = phase; r->end[i] = end; r->batch[i] = batch; r->count[i] = count;
    r->outputs_len[i] = outputs_len;
    r->loss[i] = count ? values[0] : NAN;
    r->first_output[i] = outputs ? outputs[0] : NAN;
    if (count == 2 && names && strcmp(names[0], "loss") == 0 && strcmp(names[1], "accuracy") == 0) r->names_ok++;
    if (r->fail_at && i == r->fail_at - 1) return -1;
    if (r->stop_at && phase == SEQNN_PHASE_TRAIN && end && batch == r->stop_at - 1) return 1;
    return 0;
}

static void test_hooks_fit(void) {
    t_begin("batch hooks: fit with validation, Keras 3's order and running logs");
    seqnn_model *m = small_model();
    recorder r = {0};
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.epochs = 2; o.batch_size = 4; o.shuffle = 0; o.verbose = 0;
    o.validation_x = vx; o.validation_x_len = VS * IN; o.validation_y = vy; o.validation_y_len = VS * OUT;
    o.on_batch = record; o.batch_user_data = &r;
    seqnn_history *h = NULL;
    CHECK_OK(seqnn_model_fit(m, xs, S * IN, ys, S * OUT, &o, &h));
    /* per epoch: 3 train batches (4+4+2) and 2 validation batches (4+2), begin and end each */
    CHECKF(r.n == 2 * (3 + 2) * 2, "events %d", r.n);
    int ok = 1;
    for (int e = 0; e < 2; e++)
        for (int k = 0; k < 10; k++) {
            int i = e * 10 + k, train = k < 6;
            ok &= r.phase[i] == (train ? SEQNN_PHASE_TRAIN : SEQNN_PHASE_TEST);
            ok &= r.batch[i] == (train ? k / 2 : (k - 6) / 2);
            ok &= r.end[i] == (k % 2);
            ok &= r.count[i] == (k % 2 ? 2u : 0u);
            ok &= r.outputs_len[i] == 0;
        }
    CHECK(ok);
    CHECK(r.names_ok == 10);
    /* the last train batch's running loss is the epoch's loss, the last test batch's the val_loss */
    double loss[2], val_loss[2];
    CHECK_OK(seqnn_history_get(h, "loss", loss, 2, NULL));
    CHECK_OK(seqnn_history_get(h, "val_loss", val_loss, 2, NULL));
    CHECKF(fabs(r.loss[5] - loss[0]) < 1e-9 && fabs(r.loss[15] - loss[1]) < 1e-9, "%g %g", r.loss[5], loss[0]);
    CHECKF(fabs(r.loss[9] - val_loss[0]) < 1e-9, "%g %g", r.loss[9], val_loss[0]);
    seqnn_history_free(h);

    /* no hook: the same training */
    seqnn_model *plain = small_model();
    o.on_batch = NULL;
    CHECK_OK(seqnn_model_fit(plain, xs, S * IN, ys, S * OUT, &o, NULL));
    CHECK(weight_diff(m, plain) == 0);
    seqnn_model_free(m);
    seqnn_model_free(plain);
}

static void test_hooks_stop_and_fail(void) {
    t_begin("batch hooks: > 0 stops after the batch, < 0 fails the call");
    seqnn_model *m = small_model();
    recorder r = {.stop_at = 2};
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.epochs = 3; o.batch_size = 4; o.shuffle = 0; o.verbose = 0;
    o.on_batch = record; o.batch_user_data = &r;
    seqnn_history *h = NULL;
    CHECK_OK(seqnn_model_fit(m, xs, S * IN, ys, S * OUT, &o, &h));
    CHECK(seqnn_history_epochs(h) == 1);
    CHECKF(r.n == 4, "events %d (stopped after train batch 1)", r.n);
    double loss = 0;
    CHECK_OK(seqnn_history_get(h, "loss", &loss, 1, NULL));
    CHECK(fabs(loss - r.loss[3]) < 1e-9);   /* the epoch's logs are the running ones at the stop */
    seqnn_history_free(h);

    recorder f = {.fail_at = 3};
    o.on_batch = record; o.batch_user_data = &f;
    CHECK_FAIL(m, seqnn_model_fit(m, xs, S * IN, ys, S * OUT, &o, &h), SEQNN_CALLBACK_STOPPED, "batch 1");
    CHECK(h == NULL);
    CHECK(f.n == 3);

    seqnn_run_options ro;
    seqnn_run_options_init(&ro);
    recorder e = {.fail_at = 2};
    ro.on_batch = record; ro.batch_user_data = &e;
    double res[2];
    CHECK_FAIL(m, seqnn_model_evaluate_ex(m, vx, VS * IN, vy, VS * OUT, &ro, res, 2, NULL), SEQNN_CALLBACK_STOPPED, "test batch 0");
    float out[S * OUT];
    recorder p = {.fail_at = 1};
    ro.batch_user_data = &p;
    CHECK_FAIL(m, seqnn_model_predict_ex(m, xs, S * IN, &ro, out, S * OUT, NULL), SEQNN_CALLBACK_STOPPED, "predict batch 0");
    ro.struct_size = 0;
    CHECK_FAIL(m, seqnn_model_predict_ex(m, xs, S * IN, &ro, out, S * OUT, NULL), SEQNN_INVALID_ARGUMENT, "struct_size");
    seqnn_model_free(m);
}

static void test_hooks_evaluate_predict(void) {
    t_begin("batch hooks: evaluate (test phase) and predict (outputs)");
    seqnn_model *m = small_model();
    seqnn_run_options ro;
    seqnn_run_options_init(&ro);
    recorder r = {0};
    ro.batch_size = 4; ro.on_batch = record; ro.batch_user_data = &r;
    double with[2], without[2];
    CHECK_OK(seqnn_model_evaluate_ex(m, vx, VS * IN, vy, VS * OUT, &ro, with, 2, NULL));
    CHECK_OK(seqnn_model_evaluate(m, vx, VS * IN, vy, VS * OUT, 4, without, 2, NULL));
    CHECK(with[0] == without[0] && with[1] == without[1]);
    CHECK(r.n == 4 && r.phase[0] == SEQNN_PHASE_TEST && r.loss[3] == with[0]);

    recorder p = {0};
    ro.batch_user_data = &p;
    float out[S * OUT], ref[S * OUT];
    CHECK_OK(seqnn_model_predict_ex(m, xs, S * IN, &ro, out, S * OUT, NULL));
    CHECK_OK(seqnn_model_predict(m, xs, S * IN, 4, ref, S * OUT, NULL));
    CHECK(max_diff(out, ref, S * OUT) == 0);
    CHECK(p.n == 6);
    CHECK(p.phase[1] == SEQNN_PHASE_PREDICT && p.end[1] == 1 && p.outputs_len[1] == 4 * OUT && p.outputs_len[5] == 2 * OUT);
    CHECK(p.first_output[3] == ref[4 * OUT] && p.first_output[5] == ref[8 * OUT]);
    CHECK(isnan(p.first_output[0]));   /* begin: no outputs */
    seqnn_model_free(m);
}

/* ---- sources over the arrays ---- */

typedef struct {
    const float *x, *y, *w;
    int samples, size;
    int calls, passes;
    int64_t seen[64];
    int bad_rows_at, fail_at, nan_at;   /* > 0: misbehave at batch index - 1 */
    int limit;                            /* streams: batches before running out (0: samples / size) */
} array_source;

static int fill(void *user, int64_t index, float *x, float *y, size_t y_width, float *w, int64_t *rows) {
    array_source *s = user;
    if (y_width != (y ? OUT : 0)) return 9;
    if (s->calls < 64) s->seen[s->calls] = index;
    s->calls++;
    if (s->fail_at && index == s->fail_at - 1) return 5;
    int start = (int)index * s->size;
    if (s->limit && index >= s->limit) { *rows = 0; return 0; }
    if (start >= s->samples) { *rows = 0; return 0; }
    int n = s->samples - start < s->size ? s->samples - start : s->size;
    memcpy(x, s->x + start * IN, sizeof(float) * n * IN);
    if (y) memcpy(y, s->y + start * OUT, sizeof(float) * n * OUT);
    if (w) memcpy(w, s->w + start, sizeof(float) * n);
    if (s->nan_at && index == s->nan_at - 1) x[IN + 1] = NAN;
    *rows = s->bad_rows_at && index == s->bad_rows_at - 1 ? s->size + 1 : n;
    return 0;
}

static void end_pass(void *user) { ((array_source *)user)->passes++; }

static seqnn_batch_source source_of(array_source *a, int indexable) {
    seqnn_batch_source s;
    seqnn_batch_source_init(&s);
    s.next_batch = fill;
    s.user_data = a;
    s.max_rows = a->size;
    s.indexable = indexable;
    s.steps = indexable ? (a->samples + a->size - 1) / a->size : 0;
    s.end_pass = end_pass;
    return s;
}

static void test_fit_source_matches_arrays(void) {
    t_begin("fit_source: a PyDataset-like source and a stream train as the arrays do (shuffle off)");
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.epochs = 3; o.batch_size = 4; o.shuffle = 0; o.verbose = 0;
    o.validation_x = vx; o.validation_x_len = VS * IN; o.validation_y = vy; o.validation_y_len = VS * OUT;
    seqnn_model *ref = small_model();
    seqnn_history *href = NULL;
    CHECK_OK(seqnn_model_fit(ref, xs, S * IN, ys, S * OUT, &o, &href));
    double lref[3], vref[3];
    seqnn_history_get(href, "loss", lref, 3, NULL);
    seqnn_history_get(href, "val_loss", vref, 3, NULL);

    for (int indexable = 1; indexable >= 0; indexable--) {
        seqnn_model *m = small_model();
        array_source a = {xs, ys, NULL, S, 4, 0, 0, {0}, 0, 0, 0, 0};
        array_source va = {vx, vy, NULL, VS, 4, 0, 0, {0}, 0, 0, 0, 0};
        seqnn_batch_source src = source_of(&a, indexable), vsrc = source_of(&va, indexable);
        o.validation_x = NULL; o.validation_y = NULL; o.validation_x_len = o.validation_y_len = 0;
        o.validation_source = &vsrc;
        seqnn_history *h = NULL;
        CHECK_OK(seqnn_model_fit_source(m, &src, &o, &h));
        CHECKF(weight_diff(m, ref) == 0, "indexable %d: weights differ by %g", indexable, weight_diff(m, ref));
        double l[3], v[3];
        CHECK_OK(seqnn_history_get(h, "loss", l, 3, NULL));
        CHECK_OK(seqnn_history_get(h, "val_loss", v, 3, NULL));
        CHECK(memcmp(l, lref, sizeof l) == 0 && memcmp(v, vref, sizeof v) == 0);
        CHECK(a.passes == 3 && va.passes == 3);
        /* a stream is asked until it runs out: one call more per epoch than batches */
        CHECKF(a.calls == (indexable ? 9 : 12), "calls %d", a.calls);
        seqnn_history_free(h);
        seqnn_model_free(m);
    }
    seqnn_history_free(href);
    seqnn_model_free(ref);
}

static void test_source_shuffle_and_weights(void) {
    t_begin("fit_source: shuffled batch order of an indexable source; sample weights from the batches");
    seqnn_model *m = small_model();
    array_source a = {xs, ys, NULL, S, 4, 0, 0, {0}, 0, 0, 0, 0};
    seqnn_batch_source src = source_of(&a, 1);
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.epochs = 6; o.verbose = 0;   /* shuffle on */
    CHECK_OK(seqnn_model_fit_source(m, &src, &o, NULL));
    int counts[3] = {0}, reordered = 0;
    for (int e = 0; e < 6; e++) {
        for (int k = 0; k < 3; k++) counts[a.seen[e * 3 + k]]++;
        reordered |= a.seen[e * 3] != 0 || a.seen[e * 3 + 1] != 1;
    }
    CHECK(counts[0] == 6 && counts[1] == 6 && counts[2] == 6);   /* each batch once per epoch */
    CHECK(reordered);
    seqnn_model_free(m);

    float w[S];
    for (int i = 0; i < S; i++) w[i] = 0.5f + (float)(i % 4);
    seqnn_model *ref = small_model(), *ws = small_model();
    o.epochs = 2; o.shuffle = 0; o.batch_size = 4;
    o.sample_weight = w; o.sample_weight_len = S;
    CHECK_OK(seqnn_model_fit(ref, xs, S * IN, ys, S * OUT, &o, NULL));
    o.sample_weight = NULL; o.sample_weight_len = 0;
    array_source b = {xs, ys, w, S, 4, 0, 0, {0}, 0, 0, 0, 0};
    seqnn_batch_source wsrc = source_of(&b, 1);
    wsrc.sample_weights = 1;
    CHECK_OK(seqnn_model_fit_source(ws, &wsrc, &o, NULL));
    CHECK(weight_diff(ws, ref) == 0);
    seqnn_model_free(ref);
    seqnn_model_free(ws);
}

static void test_stream_until_exhausted(void) {
    t_begin("fit_source: a stream without steps runs until exhausted; then training ends");
    seqnn_model *m = small_model();
    array_source a = {xs, ys, NULL, S, 4, 0, 0, {0}, 0, 0, 0, 0};
    seqnn_batch_source src = source_of(&a, 0);
    a.limit = 2;
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.epochs = 3; o.verbose = 0;
    seqnn_history *h = NULL;
    /* this stream restarts each pass (index from 0), so every epoch gets 2 batches */
    CHECK_OK(seqnn_model_fit_source(m, &src, &o, &h));
    CHECK(seqnn_history_epochs(h) == 3);
    seqnn_history_free(h);
    /* steps: a stream gives exactly that many per epoch */
    a.limit = 0; a.calls = 0;
    src.steps = 2;
    CHECK_OK(seqnn_model_fit_source(m, &src, &o, &h));
    CHECK(seqnn_history_epochs(h) == 3 && a.calls == 6);
    seqnn_history_free(h);
    seqnn_model_free(m);
}

static void test_evaluate_predict_source(void) {
    t_begin("evaluate_source / predict_source equal evaluate / predict on the arrays");
    seqnn_model *m = small_model();
    array_source a = {vx, vy, NULL, VS, 4, 0, 0, {0}, 0, 0, 0, 0};
    seqnn_batch_source src = source_of(&a, 1);
    double r[2], ref[2];
    size_t count = 0;
    CHECK_OK(seqnn_model_evaluate_source(m, &src, NULL, r, 2, &count));
    CHECK_OK(seqnn_model_evaluate(m, vx, VS * IN, vy, VS * OUT, 4, ref, 2, NULL));
    CHECK(count == 2 && r[0] == ref[0] && r[1] == ref[1]);

    array_source p = {xs, NULL, NULL, S, 4, 0, 0, {0}, 0, 0, 0, 0};
    seqnn_batch_source psrc = source_of(&p, 0);
    float out[S * OUT], pref[S * OUT];
    size_t len = 0;
    CHECK_OK(seqnn_model_predict_source(m, &psrc, NULL, out, S * OUT, &len));
    CHECK_OK(seqnn_model_predict(m, xs, S * IN, 4, pref, S * OUT, NULL));
    CHECK(len == S * OUT && max_diff(out, pref, S * OUT) == 0);
    /* outputs through the hook only */
    recorder rec = {0};
    seqnn_run_options ro;
    seqnn_run_options_init(&ro);
    ro.on_batch = record; ro.batch_user_data = &rec;
    CHECK_OK(seqnn_model_predict_source(m, &psrc, &ro, NULL, 0, &len));
    /* a stream without steps: the begin of batch 3 comes before it turns out empty, as in Keras 3 */
    CHECK(rec.n == 7 && rec.outputs_len[5] == 2 * OUT && rec.first_output[5] == pref[8 * OUT]);
    CHECK(rec.phase[6] == SEQNN_PHASE_PREDICT && rec.end[6] == 0 && rec.batch[6] == 3);
    CHECK_FAIL(m, seqnn_model_predict_source(m, &psrc, NULL, out, 5 * OUT, &len), SEQNN_BUFFER_TOO_SMALL, "batch 1");
    seqnn_model_free(m);
}

static void test_source_misuse(void) {
    t_begin("batch sources: misuse gives errors naming the batch");
    seqnn_model *m = small_model();
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.verbose = 0; o.shuffle = 0;
    CHECK_FAIL(m, seqnn_model_fit_source(m, NULL, &o, NULL), SEQNN_INVALID_ARGUMENT, "source");
    CHECK_FAIL(NULL, seqnn_model_fit_source(NULL, NULL, &o, NULL), SEQNN_INVALID_ARGUMENT, "model");
    seqnn_batch_source s;
    memset(&s, 0, sizeof s);
    CHECK_FAIL(m, seqnn_model_fit_source(m, &s, &o, NULL), SEQNN_INVALID_ARGUMENT, "seqnn_batch_source_init");
    seqnn_batch_source_init(&s);
    CHECK_FAIL(m, seqnn_model_fit_source(m, &s, &o, NULL), SEQNN_INVALID_ARGUMENT, "next_batch");
    array_source a = {xs, ys, NULL, S, 4, 0, 0, {0}, 0, 0, 0, 0};
    s = source_of(&a, 1);
    s.steps = 0;
    CHECK_FAIL(m, seqnn_model_fit_source(m, &s, &o, NULL), SEQNN_INVALID_ARGUMENT, "steps");
    s = source_of(&a, 1);
    s.max_rows = 0;
    CHECK_FAIL(m, seqnn_model_fit_source(m, &s, &o, NULL), SEQNN_INVALID_ARGUMENT, "max_rows");
    s = source_of(&a, 1);
    a.bad_rows_at = 2;
    CHECK_FAIL(m, seqnn_model_fit_source(m, &s, &o, NULL), SEQNN_SHAPE_MISMATCH, "batch 1 has 5 rows");
    a.bad_rows_at = 0; a.fail_at = 3;
    CHECK_FAIL(m, seqnn_model_fit_source(m, &s, &o, NULL), SEQNN_CALLBACK_STOPPED, "batch 2");
    a.fail_at = 0; a.nan_at = 2;
    CHECK_FAIL(m, seqnn_model_fit_source(m, &s, &o, NULL), SEQNN_NUMERIC_ERROR, "batch 1");
    a.nan_at = 0;
    array_source empty = {xs, ys, NULL, 0, 4, 0, 0, {0}, 0, 0, 0, 0};
    s = source_of(&empty, 0);
    CHECK_FAIL(m, seqnn_model_fit_source(m, &s, &o, NULL), SEQNN_INVALID_ARGUMENT, "no batch");
    double r[2];
    CHECK_FAIL(m, seqnn_model_evaluate_source(m, &s, NULL, r, 2, NULL), SEQNN_INVALID_ARGUMENT, "no batch");
    float out[8];
    CHECK_FAIL(m, seqnn_model_predict_source(m, &s, NULL, out, 8, NULL), SEQNN_INVALID_ARGUMENT, "no batch");
    CHECK_FAIL(m, seqnn_model_predict_source(m, &s, NULL, NULL, 8, NULL), SEQNN_INVALID_ARGUMENT, "out");
    s = source_of(&a, 1);
    o.sample_weight = xs; o.sample_weight_len = S;
    CHECK_FAIL(m, seqnn_model_fit_source(m, &s, &o, NULL), SEQNN_INVALID_ARGUMENT, "sample_weight");
    seqnn_model_free(m);
}

static void setup(void) { make_data(); }

static const t_test tests[] = {
    setup,
    test_hooks_fit,
    test_hooks_stop_and_fail,
    test_hooks_evaluate_predict,
    test_fit_source_matches_arrays,
    test_source_shuffle_and_weights,
    test_stream_until_exhausted,
    test_evaluate_predict_source,
    test_source_misuse,
};

int main(int argc, char **argv) { return t_run("test_batches", argc, argv, tests, T_COUNT(tests)); }
