/*
 * test_errors.c - the C ABI's error contract: every misuse returns its status and a message naming the
 * problem, on the thread (seqnn_last_error) and on the model (seqnn_model_last_error), and never crashes
 * or prints.
 *
 * Library facts (version, ABI version, status strings); NULL handles, NULL buffers and arguments;
 * negative, zero and out-of-range sizes and options; too-small output buffers with the size needed;
 * calls in the wrong order (not built, not compiled, a layer added after compile); the per-thread
 * message; and the library writing nothing to stdout or stderr.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

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
    /* -v would print the passing checks below into the capture: quiet while it lasts */
    int verbose = t_verbose;
    t_verbose = 0;

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
    t_verbose = verbose;
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

/* ---------------------------------------------------------------------------------------------------- */
/* Misuse                                                                                               */
/* ---------------------------------------------------------------------------------------------------- */

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
    /* results NULL with a capacity: INVALID_ARGUMENT saying it is NULL (the header's output-buffer rule) */
    int rc = seqnn_model_train_on_batch(m, x, 200, dummy_y_onehot, 20, NULL, 2, &sz);
    CHECKF(rc == SEQNN_INVALID_ARGUMENT && contains(seqnn_model_last_error(m), "NULL"),
           "train_on_batch(results NULL, cap 2) -> %d: \"%s\" should say results is NULL", rc, seqnn_model_last_error(m));
    rc = seqnn_model_evaluate(m, x, 200, dummy_y_onehot, 20, 0, NULL, 2, &sz);
    CHECKF(rc == SEQNN_INVALID_ARGUMENT && contains(seqnn_model_last_error(m), "NULL"),
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

static const t_test tests[] = {
    test_library_facts,
    test_silence,
    test_null_model,
    test_null_buffers,
    test_bad_sizes,
    test_small_buffers,
    test_order_of_calls,
    test_last_error,
};

int main(int argc, char **argv) { return t_run("test_errors", argc, argv, tests, T_COUNT(tests)); }
