/*
 * test_predict.c - predict and the weights behind it, through the C ABI.
 *
 * OpenBLAS loads without worker threads unless asked; predict over batch sizes (bit-identical for one
 * batch size, float-rounding agreement across them, a wider buffer, one sample); weight counts, shapes,
 * get/set round trips, and predictions checked by hand through identity and permutation kernels.
 * (Predict from several threads at once is test_threads.c's.)
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* With no thread variable in the environment, loading OpenBLAS starts no worker threads (they spin in
 * sched_yield while idle): the process has as many threads after the first product as before. Run in a
 * child process, before this process loads OpenBLAS. */
static int thread_count(void) {
    int n = -1;
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &n) == 1) break;
    if (f) fclose(f);
    return n;
}

static void test_default_single_thread(void) {
    t_begin("OpenBLAS loads single-threaded by default");
    pid_t pid = fork();
    if (pid == 0) {
        unsetenv("OPENBLAS_NUM_THREADS"); unsetenv("GOTO_NUM_THREADS"); unsetenv("OMP_NUM_THREADS");
        int before = thread_count();
        const char *core = seqnn_blas_core();   /* loads OpenBLAS */
        int after = thread_count();
        _exit(before > 0 && after == before ? 0 : (strcmp(core, "reference") == 0 ? 0 : 1));
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_predict(void) {
    t_begin("predict: batch sizes");
    seqnn_model *m = multiclass_model(5);   /* not compiled: a built model predicts */
    enum { S = 103 };
    size_t nout = (size_t)S * 10, len = 0;
    float *p1 = malloc(nout * sizeof(float)), *p7 = malloc(nout * sizeof(float)), *p0 = malloc(nout * sizeof(float));
    float *pbig = malloc(nout * sizeof(float));
    CHECK_OK(seqnn_model_predict(m, dummy_x, (size_t)S * D, 1, p1, nout, &len));
    CHECK(len == nout);
    CHECK_OK(seqnn_model_predict(m, dummy_x, (size_t)S * D, 7, p7, nout, &len));   /* 7 does not divide 103 */
    CHECK_OK(seqnn_model_predict(m, dummy_x, (size_t)S * D, 0, p0, nout, NULL));
    CHECK_OK(seqnn_model_predict(m, dummy_x, (size_t)S * D, 1000, pbig, nout, NULL));
    /* The header promises bit-identical results for one batch size and float-rounding agreement across
     * batch sizes (OpenBLAS chooses its kernels by matrix size). */
    float *p7b = malloc(nout * sizeof(float));
    CHECK_OK(seqnn_model_predict(m, dummy_x, (size_t)S * D, 7, p7b, nout, NULL));
    CHECKF(memcmp(p7, p7b, nout * sizeof(float)) == 0, "batch 7 twice: max |diff| %g", max_diff(p7, p7b, nout));
    free(p7b);
    /* whatever the bitwise verdict, the results agree to float rounding */
    CHECK(max_diff(p1, p7, nout) < 1e-6 && max_diff(p1, p0, nout) < 1e-6 && max_diff(p1, pbig, nout) < 1e-6);
    /* a bigger buffer is fine; only the needed part is written */
    float *wide = malloc((nout + 5) * sizeof(float));
    for (size_t i = 0; i < nout + 5; i++) wide[i] = -42.0f;
    CHECK_OK(seqnn_model_predict(m, dummy_x, (size_t)S * D, 32, wide, nout + 5, &len));
    CHECK(len == nout && max_diff(wide, p0, nout) < 1e-6 && wide[nout] == -42.0f && wide[nout + 4] == -42.0f);
    /* one sample */
    float one[10];
    CHECK_OK(seqnn_model_predict(m, dummy_x + 5 * D, D, 0, one, 10, NULL));
    CHECK(memcmp(one, p1 + 50, sizeof one) == 0);
    free(wide);
    free(p1);
    free(p7);
    free(p0);
    free(pbig);
    seqnn_model_free(m);
}

static void test_weights(void) {
    t_begin("weights: get/set round trip, identity by hand");
    seqnn_model *m = tutorial_json(1);
    size_t count = 0, ndim = 0, len = 0;
    int64_t shape[4] = {0};
    CHECK_OK(seqnn_model_weight_count(m, 0, &count));
    CHECK(count == 2);
    CHECK_OK(seqnn_model_weight_count(m, 1, &count));
    CHECK(count == 0);
    CHECK_OK(seqnn_model_weight_shape(m, 0, 0, shape, 4, &ndim));
    CHECK(ndim == 2 && shape[0] == 784 && shape[1] == 32);
    CHECK_OK(seqnn_model_weight_shape(m, 0, 1, shape, 4, &ndim));
    CHECK(ndim == 1 && shape[0] == 32);
    CHECK_OK(seqnn_model_weight_shape(m, 2, 0, shape, 2, &ndim));
    CHECK(ndim == 2 && shape[0] == 32 && shape[1] == 10);

    /* copy every weight of one model into another with other initial weights: same predictions */
    seqnn_model *other = tutorial_json(99);
    float *pa = malloc(20 * 10 * sizeof(float)), *pb = malloc(20 * 10 * sizeof(float));
    float *x = randn_array(20 * 784);
    CHECK_OK(seqnn_model_predict(m, x, 20 * 784, 0, pa, 200, NULL));
    CHECK_OK(seqnn_model_predict(other, x, 20 * 784, 0, pb, 200, NULL));
    CHECK(memcmp(pa, pb, 200 * sizeof(float)) != 0);
    static float buf[784 * 32];
    size_t layers[2] = {0, 2};
    for (int l = 0; l < 2; l++)
        for (size_t w = 0; w < 2; w++) {
            CHECK_OK(seqnn_model_get_weight(m, layers[l], w, buf, 784 * 32, &len));
            CHECK_OK(seqnn_model_set_weight(other, layers[l], w, buf, len));
        }
    CHECK_OK(seqnn_model_predict(other, x, 20 * 784, 0, pb, 200, NULL));
    CHECK(memcmp(pa, pb, 200 * sizeof(float)) == 0);
    /* zero last Dense: the softmax of zeros is uniform */
    static float zeros[320];
    CHECK_OK(seqnn_model_set_weight(other, 2, 0, zeros, 320));
    CHECK_OK(seqnn_model_set_weight(other, 2, 1, zeros, 10));
    CHECK_OK(seqnn_model_predict(other, x, 20 * 784, 0, pb, 200, NULL));
    int uniform = 1;
    for (int i = 0; i < 200; i++) uniform &= fabsf(pb[i] - 0.1f) < 1e-6f;
    CHECK(uniform);
    free(x);
    free(pa);
    free(pb);
    seqnn_model_free(other);

    /* Dense(4) with identity kernel and a bias: y = x + b, by hand; then relu */
    seqnn_model *id = seqnn_model_create(5);
    int64_t in[1] = {4};
    CHECK_OK(seqnn_model_set_input(id, in, 1, 0));
    CHECK_OK(seqnn_model_add_dense(id, 4, NULL));
    CHECK_OK(seqnn_model_add_dense(id, 4, "relu"));
    float eye[16] = {0}, b0[4] = {0.5f, -1.0f, 2.0f, 0.0f}, b1[4] = {0};
    for (int i = 0; i < 4; i++) eye[i * 4 + i] = 1.0f;
    CHECK_OK(seqnn_model_set_weight(id, 0, 0, eye, 16));
    CHECK_OK(seqnn_model_set_weight(id, 0, 1, b0, 4));
    CHECK_OK(seqnn_model_set_weight(id, 1, 0, eye, 16));
    CHECK_OK(seqnn_model_set_weight(id, 1, 1, b1, 4));
    float xi[8] = {1, 2, 3, 4, -5, 0.25f, -3, 0}, yo[8];
    CHECK_OK(seqnn_model_predict(id, xi, 8, 0, yo, 8, &len));
    CHECK(len == 8);
    int exact = 1;
    for (int s = 0; s < 2; s++)
        for (int j = 0; j < 4; j++) {
            float want = fmaxf(xi[s * 4 + j] + b0[j], 0.0f);
            exact &= fabsf(yo[s * 4 + j] - want) < 1e-6f;
        }
    CHECKF(exact, "identity: got %g %g %g %g | %g %g %g %g", yo[0], yo[1], yo[2], yo[3], yo[4], yo[5], yo[6], yo[7]);
    /* a permutation kernel moves the values */
    float perm[16] = {0};
    for (int i = 0; i < 4; i++) perm[i * 4 + (3 - i)] = 2.0f;   /* y_j = 2 x_{3-j} */
    CHECK_OK(seqnn_model_set_weight(id, 1, 0, perm, 16));
    CHECK_OK(seqnn_model_predict(id, xi, 4, 0, yo, 4, NULL));
    CHECKF(yo[0] == 2 * (xi[3] + b0[3]) && yo[1] == 2 * (xi[2] + b0[2]) && yo[2] == 2 * (xi[1] + b0[1]) &&
               yo[3] == 2 * (xi[0] + b0[0]),
           "permutation: %g %g %g %g", yo[0], yo[1], yo[2], yo[3]);
    /* get returns what was set */
    float back[16];
    CHECK_OK(seqnn_model_get_weight(id, 1, 0, back, 16, &len));
    CHECK(len == 16 && memcmp(back, perm, sizeof perm) == 0);
    seqnn_model_free(id);
    seqnn_model_free(m);
}

static const t_test tests[] = {
    test_default_single_thread,
    test_predict,
    test_weights,
};

int main(int argc, char **argv) { return t_run("test_predict", argc, argv, tests, T_COUNT(tests)); }
