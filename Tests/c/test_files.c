/*
 * test_files.c - the C side of model files (seqnn_model_save, seqnn_model_load, seqnn_model_load_weights)
 * and the training state a file keeps.
 *
 * Argument checks, an unbuilt model, a missing folder; a round trip with the same layers, predictions and
 * compile state and training that resumes identically; load_weights into the same and into another
 * architecture; files that are not models; a custom metric stored by name. Then shapes, compile state,
 * the learning rate (changed from an epoch callback) and the stored History, which survive save/load.
 * The files go to a fresh folder under $TMPDIR (default /tmp) and are removed.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

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
    /* under $TMPDIR and named by the process: several checkouts may run their tests at once */
    char path[512];
    snprintf(path, sizeof path, "%s/seqnn-ctest-history-%ld.h5", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (long)getpid());
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

static const t_test tests[] = {
    test_files,
    test_shapes_and_training_state,
};

int main(int argc, char **argv) { return t_run("test_files", argc, argv, tests, T_COUNT(tests)); }
