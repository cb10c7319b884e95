/* The C side of test_c_parity.py: the same model and training as the Python test, through seqnn.h only.
 *
 *   parity_prog train  X Y N WEIGHTS_BEFORE WEIGHTS_AFTER MODEL_H5 HISTORY_TXT
 *   parity_prog predict MODEL_H5 X N OUT                   (predictions as raw float32)
 *   parity_prog resume MODEL_H5 X Y N OUT_H5 WEIGHTS        (load, one more epoch unshuffled, save)
 *
 * X, Y are raw float32 files (N x 20 and N x 3). Exits non-zero with the library's message on failure. */
#include <seqnn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IN 20
#define OUT 3

static void check(int rc, seqnn_model *m, const char *what) {
    if (rc != SEQNN_OK) {
        fprintf(stderr, "%s: %s (%s)\n", what, m ? seqnn_model_last_error(m) : seqnn_last_error(),
                seqnn_status_string(rc));
        exit(1);
    }
}

static float *read_floats(const char *path, size_t n) {
    float *p = malloc(n * sizeof(float));
    FILE *f = fopen(path, "rb");
    if (!p || !f || fread(p, sizeof(float), n, f) != n) { fprintf(stderr, "cannot read %s\n", path); exit(1); }
    fclose(f);
    return p;
}

static void write_weights(seqnn_model *m, const char *path) {
    FILE *f = fopen(path, "wb");
    for (size_t l = 0; l < seqnn_model_layer_count(m); l++) {
        size_t count = 0;
        check(seqnn_model_weight_count(m, l, &count), m, "weight_count");
        for (size_t k = 0; k < count; k++) {
            size_t len = 0;
            seqnn_model_get_weight(m, l, k, NULL, 0, &len);
            float *w = malloc(len * sizeof(float));
            check(seqnn_model_get_weight(m, l, k, w, len, NULL), m, "get_weight");
            fwrite(w, sizeof(float), len, f);
            free(w);
        }
    }
    fclose(f);
}

/* The tutorial's mean_pred: the mean of y_pred over the batch. */
static int mean_pred(void *ud, const float *y_true, const float *y_pred, int64_t batch, int64_t pred_dim,
                     int64_t true_dim, double *result) {
    (void)ud; (void)y_true; (void)true_dim;
    double s = 0;
    for (int64_t i = 0; i < batch * pred_dim; i++) s += y_pred[i];
    *result = s / (double)(batch * pred_dim);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 9 && strcmp(argv[1], "train") == 0) {
        size_t n = (size_t)atol(argv[4]);
        float *x = read_floats(argv[2], n * IN), *y = read_floats(argv[3], n * OUT);
        seqnn_model *m = seqnn_model_create(42);
        check(seqnn_model_add(m, "Dense", "{\"units\": 16, \"activation\": \"relu\", \"input_shape\": [20]}"), m, "add");
        check(seqnn_model_add_dropout(m, 0.25f), m, "add_dropout");
        check(seqnn_model_add_dense(m, OUT, "softmax"), m, "add_dense");
        write_weights(m, argv[5]);
        check(seqnn_model_add_metric(m, "mean_pred", mean_pred, NULL), m, "add_metric");
        check(seqnn_model_compile(m, "adam", "categorical_crossentropy", "accuracy,mean_pred"), m, "compile");
        seqnn_fit_options o;
        seqnn_fit_options_init(&o);
        o.epochs = 3;
        o.batch_size = 16;
        o.validation_split = 0.2;
        o.verbose = 0;
        seqnn_history *h = NULL;
        check(seqnn_model_fit(m, x, n * IN, y, n * OUT, &o, &h), m, "fit");
        write_weights(m, argv[6]);
        check(seqnn_model_save(m, argv[7], NULL), m, "save");
        FILE *f = fopen(argv[8], "w");
        for (size_t k = 0; k < seqnn_history_key_count(h); k++) {
            const char *key = seqnn_history_key(h, k);
            double v[16];
            size_t count = 0;
            check(seqnn_history_get(h, key, v, 16, &count), NULL, "history_get");
            fprintf(f, "%s", key);
            for (size_t e = 0; e < count; e++) fprintf(f, " %.17g", v[e]);
            fprintf(f, "\n");
        }
        fclose(f);
        seqnn_history_free(h);
        seqnn_model_free(m);
        free(x); free(y);
        return 0;
    }
    if (argc >= 6 && strcmp(argv[1], "predict") == 0) {
        size_t n = (size_t)atol(argv[4]);
        float *x = read_floats(argv[3], n * IN);
        seqnn_model *m = NULL;
        check(seqnn_model_load(argv[2], 0, &m), NULL, "load");
        size_t out_size = 0;
        check(seqnn_model_output_size(m, &out_size), m, "output_size");
        float *out = malloc(n * out_size * sizeof(float));
        check(seqnn_model_predict(m, x, n * IN, 0, out, n * out_size, NULL), m, "predict");
        FILE *f = fopen(argv[5], "wb");
        fwrite(out, sizeof(float), n * out_size, f);
        fclose(f);
        seqnn_model_free(m);
        free(x); free(out);
        return 0;
    }
    if (argc >= 8 && strcmp(argv[1], "resume") == 0) {
        size_t n = (size_t)atol(argv[5]);
        float *x = read_floats(argv[3], n * IN), *y = read_floats(argv[4], n * OUT);
        seqnn_model *m = NULL;
        check(seqnn_model_load(argv[2], 0, &m), NULL, "load");
        check(seqnn_model_add_metric(m, "mean_pred", mean_pred, NULL), m, "add_metric");
        seqnn_fit_options o;
        seqnn_fit_options_init(&o);
        o.epochs = 1;
        o.batch_size = 16;
        o.shuffle = 0;
        o.verbose = 0;
        check(seqnn_model_fit(m, x, n * IN, y, n * OUT, &o, NULL), m, "fit");
        check(seqnn_model_save(m, argv[6], NULL), m, "save");
        write_weights(m, argv[7]);
        seqnn_model_free(m);
        free(x); free(y);
        return 0;
    }
    fprintf(stderr, "usage: see the comment at the top of parity_prog.c\n");
    return 2;
}
