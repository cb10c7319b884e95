/*
 * test_extremes.c - inputs that could kill the process: huge sizes, integer overflow in shapes, units,
 * batch sizes, class weights, reshape targets and top-k's k. Each runs in a forked child (CHECK_ISOLATED),
 * so a crash is reported as a failed check instead of ending the run; each must return a status (with a
 * message when it fails). SEQNN_TEST_NO_FORK=1 skips them all (for debuggers that do not follow forks).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"

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
    if (getenv("SEQNN_TEST_NO_FORK")) return;
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

static const t_test tests[] = {
    test_no_crash_extremes,
};

int main(int argc, char **argv) { return t_run("test_extremes", argc, argv, tests, T_COUNT(tests)); }
