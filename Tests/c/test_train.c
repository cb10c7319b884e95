/*
 * test_train.c - compile, fit, evaluate and train_on_batch through the C ABI, the tutorial's way.
 *
 * The four tutorial compile variants (with the custom metric mean_pred written in C), binary and
 * 10-class fits on the tutorial's dummy data with History, the progress log sink and evaluate checked
 * against by-hand losses over predict's output; train_on_batch; the epoch callback, validation_split and
 * validation data, sample_weight and class_weight; determinism; to_categorical. Then what must be
 * refused: wrong x/y lengths (with the to_categorical hint), NaN and Inf in data and weights, sparse
 * labels out of range, a custom metric that fails, a bad options struct_size.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

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
    /* the struct as ABI 1-2 headers declared it (through epoch_user_data) is accepted; one byte less is not */
    o.struct_size = offsetof(seqnn_fit_options, on_batch) - 1;
    CHECK_FAIL(m, seqnn_model_fit(m, dummy_x, 10 * D, dummy_y_bin, 10, &o, NULL), SEQNN_INVALID_ARGUMENT, "struct_size");
    o.struct_size = offsetof(seqnn_fit_options, on_batch);
    CHECK_OK(seqnn_model_fit(m, dummy_x, 10 * D, dummy_y_bin, 10, &o, NULL));
    o.struct_size = 8;
    CHECK_FAIL(m, seqnn_model_fit(m, dummy_x, 10 * D, dummy_y_bin, 10, &o, NULL), SEQNN_INVALID_ARGUMENT, "seqnn_fit_options_init");
    /* a larger struct (a newer header) is accepted */
    o.struct_size = sizeof o + 64;
    o.on_epoch_end = dummy_epoch;
    CHECK_OK(seqnn_model_fit(m, dummy_x, 10 * D, dummy_y_bin, 10, &o, NULL));
    seqnn_model_free(m);
}

static const t_test tests[] = {
    test_compile_variants,
    test_binary_fit,
    test_multiclass_fit,
    test_train_on_batch,
    test_callbacks_and_validation,
    test_class_weight,
    test_determinism,
    test_to_categorical,
    test_shape_mismatch,
    test_numeric,
    test_sparse_labels,
    test_metric_failure,
    test_bad_options,
};

int main(int argc, char **argv) { return t_run("test_train", argc, argv, tests, T_COUNT(tests)); }
