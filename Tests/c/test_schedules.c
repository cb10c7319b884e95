/* Learning-rate schedules through the C ABI: a Keras schedule config as the optimizer config's
 * "learning_rate" drives every step (checked against a twin model stepped with the same rates set by hand),
 * the current rate is readable but not settable, and a save/load keeps the schedule and its position. */
#define _POSIX_C_SOURCE 200809L   /* mkdtemp */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static const char *exp_sgd =
    "{\"class_name\": \"SGD\", \"config\": {\"learning_rate\": {\"module\": \"keras.optimizers.schedules\","
    " \"class_name\": \"ExponentialDecay\", \"config\": {\"initial_learning_rate\": 0.1, \"decay_steps\": 2,"
    " \"decay_rate\": 0.5}, \"registered_name\": null}}}";

static double rate_at(int step) { return 0.1 * pow(0.5, step / 2.0); }

static void test_schedule_drives_every_step(void) {
    t_begin("a schedule drives every step");
    seqnn_model *m = multiclass_model(5), *twin = multiclass_model(5);
    CHECK_OK(seqnn_model_compile(m, exp_sgd, "categorical_crossentropy", NULL));
    CHECK_OK(seqnn_model_compile(twin, "{\"class_name\": \"SGD\", \"config\": {\"learning_rate\": 0.1}}",
                                 "categorical_crossentropy", NULL));
    double lr = 0, r[1];
    float a[10], b[10];
    for (int step = 0; step < 5; step++) {
        CHECK_OK(seqnn_model_get_learning_rate(m, &lr));
        CHECKF(fabs(lr - rate_at(step)) < 1e-7, "rate before step %d: %.9f, expected %.9f", step + 1, lr, rate_at(step));
        CHECK_OK(seqnn_model_set_learning_rate(twin, rate_at(step)));
        CHECK_OK(seqnn_model_train_on_batch(m, dummy_x, 32 * D, dummy_y_onehot, 32 * 10, r, 1, NULL));
        CHECK_OK(seqnn_model_train_on_batch(twin, dummy_x, 32 * D, dummy_y_onehot, 32 * 10, r, 1, NULL));
        CHECK_OK(seqnn_model_get_weight(m, 1, 1, a, 10, NULL));
        CHECK_OK(seqnn_model_get_weight(twin, 1, 1, b, 10, NULL));
        CHECKF(max_diff(a, b, 10) < 1e-6, "step %d: weights differ from the hand-stepped twin by %g", step + 1, max_diff(a, b, 10));
    }
    CHECK_FAIL(m, seqnn_model_set_learning_rate(m, 0.01), SEQNN_INVALID_ARGUMENT, "not settable");
    CHECK_OK(seqnn_model_get_learning_rate(m, &lr));
    CHECK(fabs(lr - rate_at(5)) < 1e-7);
    seqnn_model_free(m);
    seqnn_model_free(twin);
}

static void test_save_and_load_keep_the_schedule(void) {
    t_begin("save and load keep the schedule and its step");
    char dir[] = "/tmp/seqnn_sched_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/m.h5", dir);
    seqnn_model *m = multiclass_model(6);
    CHECK_OK(seqnn_model_compile(m, exp_sgd, "categorical_crossentropy", NULL));
    double r[1], before = 0, after = 0;
    for (int i = 0; i < 3; i++) CHECK_OK(seqnn_model_train_on_batch(m, dummy_x, 32 * D, dummy_y_onehot, 32 * 10, r, 1, NULL));
    CHECK_OK(seqnn_model_get_learning_rate(m, &before));
    CHECK_OK(seqnn_model_save(m, path, NULL));
    seqnn_model *l = NULL;
    CHECK_OK(seqnn_model_load(path, 0, &l));
    CHECK_OK(seqnn_model_get_learning_rate(l, &after));
    CHECKF(before == after && fabs(after - rate_at(3)) < 1e-7, "rate %.9f before saving, %.9f after loading", before, after);
    int64_t iterations = -1;
    CHECK_OK(seqnn_model_get_iterations(l, &iterations));
    CHECK(iterations == 3);
    CHECK_FAIL(l, seqnn_model_get_iterations(l, NULL), SEQNN_INVALID_ARGUMENT, "iterations");
    CHECK_FAIL(l, seqnn_model_set_learning_rate(l, 0.01), SEQNN_INVALID_ARGUMENT, "schedule");
    seqnn_model_free(l);
    seqnn_model_free(m);
    remove(path);
    rmdir(dir);
}

static void test_bad_schedules_are_refused(void) {
    t_begin("bad schedules are refused by name");
    seqnn_model *m = multiclass_model(7);
    CHECK_FAIL(m, seqnn_model_compile(m, "{\"class_name\": \"Adam\", \"config\": {\"learning_rate\": "
                                         "{\"class_name\": \"WarmupThenDecay\", \"config\": {}}}}", "mse", NULL),
               SEQNN_UNSUPPORTED, "WarmupThenDecay");
    CHECK_FAIL(m, seqnn_model_compile(m, "{\"class_name\": \"Adam\", \"config\": {\"learning_rate\": "
                                         "{\"class_name\": \"CosineDecay\", \"config\": {\"initial_learning_rate\": 0.1, "
                                         "\"decay_steps\": -3}}}}", "mse", NULL),
               SEQNN_INVALID_ARGUMENT, "decay_steps");
    CHECK(seqnn_model_is_compiled(m) == 0);
    seqnn_model_free(m);
}

static const t_test tests[] = {test_schedule_drives_every_step, test_save_and_load_keep_the_schedule,
                               test_bad_schedules_are_refused};

int main(int argc, char **argv) { return t_run("test_schedules", argc, argv, tests, T_COUNT(tests)); }
