/*
 * test_adapt.c - seqnn_model_adapt_layer (ABI version 2): a Normalization layer learns its mean and
 * variance from a buffer, hand-computed here; predictions are then (x - mean) / sqrt(variance); and
 * misuse (NULL, partial samples, NaN, a layer without state, statistics given in the config) fails with a
 * status, leaving the layer as it was.
 */
#include "harness.h"

#include <math.h>
#include <string.h>

/* Normalization (adaptable) on 3 features -> Dense(2). */
static seqnn_model *normalized_model(void) {
    seqnn_model *m = seqnn_model_create(3);
    CHECK_OK(seqnn_model_add(m, "Normalization", "{\"input_shape\": [3]}"));
    CHECK_OK(seqnn_model_add_dense(m, 2, NULL));
    return m;
}

static void test_adapt_learns_mean_and_population_variance(void) {
    seqnn_model *m = normalized_model();
    /* 4 samples; feature j takes values j + {0, 2, 4, 6} * (j + 1): mean j + 3 (j + 1), variance 5 (j + 1)^2 */
    float x[12];
    for (int s = 0; s < 4; s++)
        for (int j = 0; j < 3; j++) x[s * 3 + j] = (float)j + (float)(2 * s) * (float)(j + 1);
    CHECK_OK(seqnn_model_adapt_layer(m, 0, x, 12));
    float mean[3], var[3], count;
    size_t len = 0;
    CHECK_OK(seqnn_model_get_weight(m, 0, 0, mean, 3, &len));
    CHECK(len == 3);
    CHECK_OK(seqnn_model_get_weight(m, 0, 1, var, 3, &len));
    CHECK_OK(seqnn_model_get_weight(m, 0, 2, &count, 1, &len));
    CHECK(len == 1 && count == 0.0f);   /* Keras 3's adapt leaves count at 0 */
    for (int j = 0; j < 3; j++) {
        CHECKF(fabsf(mean[j] - (float)(j + 3 * (j + 1))) < 1e-5f, "mean[%d] = %g", j, mean[j]);
        CHECKF(fabsf(var[j] - 5.0f * (float)((j + 1) * (j + 1))) < 1e-4f, "variance[%d] = %g", j, var[j]);
    }
    /* With an identity-like Dense, the output is the normalised input. */
    float kernel[6] = {1, 0, 0, 1, 0, 0}, bias[2] = {0, 0}, y[2];
    CHECK_OK(seqnn_model_set_weight(m, 1, 0, kernel, 6));
    CHECK_OK(seqnn_model_set_weight(m, 1, 1, bias, 2));
    CHECK_OK(seqnn_model_predict(m, x, 3, 0, y, 2, NULL));
    CHECKF(fabsf(y[0] - (0.0f - mean[0]) / sqrtf(var[0])) < 1e-5f, "y[0] = %g", y[0]);
    CHECKF(fabsf(y[1] - (1.0f - mean[1]) / sqrtf(var[1])) < 1e-5f, "y[1] = %g", y[1]);
    seqnn_model_free(m);
}

static void test_adapt_misuse_changes_nothing(void) {
    seqnn_model *m = normalized_model();
    float x[6] = {1, 2, 3, 4, 5, 6}, bad[3] = {1, NAN, 3}, var[3];
    CHECK_FAIL(NULL, seqnn_model_adapt_layer(NULL, 0, x, 6), SEQNN_INVALID_ARGUMENT, "model");
    CHECK_FAIL(m, seqnn_model_adapt_layer(m, 0, NULL, 6), SEQNN_INVALID_ARGUMENT, "x");
    CHECK_FAIL(m, seqnn_model_adapt_layer(m, 0, x, 5), SEQNN_SHAPE_MISMATCH, "whole number");
    CHECK_FAIL(m, seqnn_model_adapt_layer(m, 0, bad, 3), SEQNN_NUMERIC_ERROR, "finite");
    CHECK_FAIL(m, seqnn_model_adapt_layer(m, 1, x, 6), SEQNN_UNSUPPORTED, "adapt");
    CHECK_FAIL(m, seqnn_model_adapt_layer(m, 7, x, 6), SEQNN_INVALID_ARGUMENT, "out of range");
    CHECK_OK(seqnn_model_get_weight(m, 0, 1, var, 3, NULL));
    CHECK(var[0] == 1.0f && var[1] == 1.0f && var[2] == 1.0f);   /* still the identity */
    seqnn_model_free(m);

    seqnn_model *given = seqnn_model_create(1);
    CHECK_OK(seqnn_model_add(given, "Normalization", "{\"input_shape\": [3], \"mean\": 0.5, \"variance\": 2.0}"));
    CHECK_FAIL(given, seqnn_model_adapt_layer(given, 0, x, 6), SEQNN_INVALID_ARGUMENT, "adapt");
    seqnn_model_free(given);
}

static const t_test tests[] = {
    test_adapt_learns_mean_and_population_variance,
    test_adapt_misuse_changes_nothing,
};

int main(int argc, char **argv) { return t_run("test_adapt", argc, argv, tests, T_COUNT(tests)); }
