/*
 * test_build.c - building models through the C ABI: layers, input shapes, sizes, summary and names.
 *
 * The Keras tutorial's model built from JSON configs and from the typed helpers (same layers, names,
 * parameter counts, seeded glorot weights, summary table and its buffer protocol), input_dim /
 * input_length / batch_size / batch_input_shape, pop; then what must be refused: unknown layer,
 * activation, initializer, optimizer, loss and metric names, and malformed JSON (including deep
 * nesting and invalid UTF-8).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

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

/* ---------------------------------------------------------------------------------------------------- */
/* Misuse                                                                                               */
/* ---------------------------------------------------------------------------------------------------- */

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

static const t_test tests[] = {
    test_tutorial_build,
    test_input_forms,
    test_unknown_names,
    test_malformed_json,
};

int main(int argc, char **argv) { return t_run("test_build", argc, argv, tests, T_COUNT(tests)); }
