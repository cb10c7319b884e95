/* Loading any file is safe (issue 15): libhdf5 reads it in the seqnn-reader process, so files on which
 * libhdf5 crashes or loops give SEQNN_FORMAT_ERROR naming the file and the step, files that would read
 * outside themselves are refused, declared sizes beyond the memory limit are SEQNN_OUT_OF_MEMORY, and the
 * options struct (trusted path, limits) is checked. Run from the checkout's root (Tests/c/run.sh does). */
#include <string.h>

#include "harness.h"

#define FIX "Tests/SeqNNFileTests/Fixtures/"

static void test_crash_and_hang_of_libhdf5_are_errors(void) {
    t_begin("crash and hang of libhdf5 are errors");
    seqnn_model *m = NULL;
    CHECK_FAIL(NULL, seqnn_model_load(FIX "hostile/libhdf5_crash.h5", 0, &m), SEQNN_FORMAT_ERROR,
               "damaged or hostile: reading it crashed libhdf5 (SIGSEGV) while reading attribute");
    CHECK(m == NULL);
    seqnn_load_options o;
    seqnn_load_options_init(&o);
    o.time_limit = 1;
    CHECK_FAIL(NULL, seqnn_model_load_ex(FIX "hostile/libhdf5_hang.h5", 0, &o, &m), SEQNN_FORMAT_ERROR,
               "did not finish in 1 s");
    CHECK_OK(seqnn_model_load(FIX "keras3/mlp_rmsprop.h5", 0, &m));   /* the process carries on */
    seqnn_model_free(m);
}

static void test_hostile_files_are_refused(void) {
    t_begin("hostile files are refused on both paths");
    seqnn_load_options o;
    seqnn_load_options_init(&o);
    for (int trusted = 0; trusted <= 1; trusted++) {
        o.trusted = trusted;
        seqnn_model *m = NULL;
        CHECK_FAIL(NULL, seqnn_model_load_ex(FIX "hostile/external_storage.h5", 0, &o, &m), SEQNN_FORMAT_ERROR, "external files");
        CHECK_FAIL(NULL, seqnn_model_load_ex(FIX "hostile/external_link.h5", 0, &o, &m), SEQNN_FORMAT_ERROR, "external link");
        CHECK_FAIL(NULL, seqnn_model_load_ex(FIX "hostile/nan_optimizer_state.h5", 0, &o, &m), SEQNN_NUMERIC_ERROR, "optimizer state");
        CHECK(m == NULL);
    }
}

static void test_options(void) {
    t_begin("load options");
    seqnn_load_options o;
    seqnn_load_options_init(&o);
    CHECK(o.struct_size == sizeof o && o.trusted == 0 && o.memory_limit > 0 && o.time_limit == 0);
    seqnn_model *m = NULL;
    o.memory_limit = 100;
    CHECK_FAIL(NULL, seqnn_model_load_ex(FIX "keras3/mlp_rmsprop.h5", 0, &o, &m), SEQNN_OUT_OF_MEMORY, "memory limit");
    o.trusted = 1;
    CHECK_FAIL(NULL, seqnn_model_load_ex(FIX "keras3/mlp_rmsprop.h5", 0, &o, &m), SEQNN_OUT_OF_MEMORY, "memory limit");
    seqnn_load_options_init(&o);
    o.trusted = 1;
    CHECK_OK(seqnn_model_load_ex(FIX "keras3/mlp_rmsprop.h5", 0, &o, &m));
    CHECK_OK(seqnn_model_load_weights_ex(m, FIX "keras3/mlp_rmsprop.h5", NULL));
    o.time_limit = -1;
    CHECK_FAIL(m, seqnn_model_load_weights_ex(m, FIX "keras3/mlp_rmsprop.h5", &o), SEQNN_INVALID_ARGUMENT, "time_limit");
    o.time_limit = 0;
    o.struct_size = 4;
    CHECK_FAIL(m, seqnn_model_load_weights_ex(m, FIX "keras3/mlp_rmsprop.h5", &o), SEQNN_INVALID_ARGUMENT, "struct_size");
    seqnn_model_free(m);
}

static const t_test tests[] = {test_crash_and_hang_of_libhdf5_are_errors, test_hostile_files_are_refused, test_options};

int main(int argc, char **argv) { return t_run("test_load_safety", argc, argv, tests, T_COUNT(tests)); }
