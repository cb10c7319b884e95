/* The installed library's round trip, as a C user sees it: train a small classifier, save it, load it
 * back, and check that the loaded copy predicts what the trained one does and that training reached a
 * stated accuracy. Built by Tests/package/run.sh through pkg-config and through CMake's find_package.
 * Usage: roundtrip MODEL.h5 (written, then read). Exits 0 on success. */
#include <seqnn.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#define N 512
#define D 4
#define K 3

static int check(int rc, const char *what, seqnn_model *m) {
    if (rc != SEQNN_OK) {
        fprintf(stderr, "roundtrip: %s failed: %s: %s\n", what, seqnn_status_string(rc),
                m ? seqnn_model_last_error(m) : seqnn_last_error());
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s MODEL.h5\n", argv[0]); return 2; }
    printf("SeqNN %s, ABI %d (header ABI %d)\n", seqnn_version(), seqnn_abi_version(), SEQNN_ABI_VERSION);
    if (seqnn_abi_version() < SEQNN_ABI_VERSION) { fprintf(stderr, "roundtrip: library ABI too old\n"); return 1; }

    /* Three classes told apart by which of the first three features is largest. */
    static float x[N * D], labels[N], y[N * K];
    unsigned s = 12345;
    for (int i = 0; i < N * D; i++) { s = s * 1103515245u + 12345u; x[i] = (float)((s >> 8) & 0xffff) / 65536.0f; }
    for (int i = 0; i < N; i++) {
        const float *r = x + i * D;
        labels[i] = (float)(r[0] >= r[1] && r[0] >= r[2] ? 0 : (r[1] >= r[2] ? 1 : 2));
    }
    if (check(seqnn_to_categorical(labels, N, K, y, N * K, NULL, NULL), "to_categorical", NULL)) return 1;

    seqnn_model *m = seqnn_model_create(7);
    if (!m) { fprintf(stderr, "roundtrip: create: %s\n", seqnn_last_error()); return 1; }
    if (check(seqnn_model_add(m, "Dense", "{\"units\": 16, \"activation\": \"relu\", \"input_shape\": [4]}"), "add", m) ||
        check(seqnn_model_add_dense(m, K, "softmax"), "add_dense", m) ||
        check(seqnn_model_compile(m, "adam", "categorical_crossentropy", "accuracy"), "compile", m)) return 1;

    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.epochs = 40;
    o.verbose = 0;
    if (check(seqnn_model_fit(m, x, N * D, y, N * K, &o, NULL), "fit", m)) return 1;
    double results[2] = {0, 0};
    if (check(seqnn_model_evaluate(m, x, N * D, y, N * K, 0, results, 2, NULL), "evaluate", m)) return 1;
    printf("trained: loss %.4f, accuracy %.4f\n", results[0], results[1]);

    if (check(seqnn_model_save(m, argv[1], NULL), "save", m)) return 1;
    seqnn_model *back = NULL;
    if (check(seqnn_model_load(argv[1], 1, &back), "load", NULL)) return 1;

    static float p1[N * K], p2[N * K];
    if (check(seqnn_model_predict(m, x, N * D, 0, p1, N * K, NULL), "predict", m) ||
        check(seqnn_model_predict(back, x, N * D, 0, p2, N * K, NULL), "predict (loaded)", back)) return 1;
    double diff = 0;
    for (int i = 0; i < N * K; i++) diff = fmax(diff, fabs((double)p1[i] - p2[i]));
    printf("saved %s, loaded it back: largest prediction difference %.3g\n", argv[1], diff);

    int ok = diff == 0 && results[1] >= 0.9 && seqnn_model_is_compiled(back) == 1;
    seqnn_model_free(back);
    seqnn_model_free(m);
    if (!ok) { fprintf(stderr, "roundtrip: FAILED (need identical predictions, accuracy >= 0.9, a compiled load)\n"); return 1; }
    printf("roundtrip: OK\n");
    return 0;
}
