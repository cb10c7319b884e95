/* The Keras tutorial's classifier on real data, from C.
 *
 *   Sequential([Dense(32, input_shape=(64,)), Activation('relu'), Dense(10), Activation('softmax')])
 *   compile(optimizer='rmsprop', loss='categorical_crossentropy', metrics=['accuracy', mean_pred])
 *   fit(data, to_categorical(labels), epochs=30, batch_size=32, validation_split=0.2)
 *
 * on the 8x8 handwritten digits (data/digits/digits.csv, 1,797 samples). Exits 1 if the final
 * validation accuracy is below 90 %.   Usage: digits [path/to/digits.csv] */
#include <seqnn.h>
#include <stdio.h>
#include <stdlib.h>

#define PIXELS 64
#define CLASSES 10
#define MAX_SAMPLES 2000

/* The tutorial's custom metric: the mean of the predictions. */
static int mean_pred(void *user_data, const float *y_true, const float *y_pred,
                     int64_t batch, int64_t pred_dim, int64_t true_dim, double *result) {
    (void)user_data; (void)y_true; (void)true_dim;
    double sum = 0;
    for (int64_t i = 0; i < batch * pred_dim; i++) sum += y_pred[i];
    *result = sum / (double)(batch * pred_dim);
    return 0;
}

static void print_progress(void *user_data, const char *text) {
    (void)user_data;
    fputs(text, stdout);
    fflush(stdout);
}

#define TRY(call) do { int rc_ = (call); if (rc_ != SEQNN_OK) { \
    fprintf(stderr, "%s failed: %s (%s)\n", #call, seqnn_status_string(rc_), seqnn_last_error()); exit(2); } } while (0)

static size_t load_digits(const char *path, float *x, float *labels) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(2); }
    size_t n = 0;
    int v;
    while (n < MAX_SAMPLES && fscanf(f, "%d", &v) == 1) {
        x[n * PIXELS] = (float)v / 16.0f;                 /* pixels 0..16 scaled to 0..1 */
        for (int j = 1; j < PIXELS; j++) {
            if (fscanf(f, ",%d", &v) != 1) { fprintf(stderr, "%s: bad row %zu\n", path, n + 1); exit(2); }
            x[n * PIXELS + j] = (float)v / 16.0f;
        }
        if (fscanf(f, ",%d", &v) != 1) { fprintf(stderr, "%s: row %zu has no label\n", path, n + 1); exit(2); }
        labels[n++] = (float)v;
    }
    fclose(f);
    return n;
}

/* The file is ordered by writer, and Keras's validation_split takes the LAST fraction without shuffling
 * (its docs warn about this), so shuffle once with a fixed seed first: the held-out 20 % then mixes
 * writers the model has and has not seen, as a random split would. */
static void shuffle(float *x, float *labels, size_t n) {
    uint64_t s = 20240601;
    for (size_t i = n - 1; i > 0; i--) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t j = (size_t)((s >> 33) % (i + 1));
        for (int k = 0; k < PIXELS; k++) { float t = x[i * PIXELS + k]; x[i * PIXELS + k] = x[j * PIXELS + k]; x[j * PIXELS + k] = t; }
        float t = labels[i]; labels[i] = labels[j]; labels[j] = t;
    }
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "data/digits/digits.csv";
    static float x[MAX_SAMPLES * PIXELS], labels[MAX_SAMPLES], y[MAX_SAMPLES * CLASSES];
    size_t n = load_digits(path, x, labels), y_len = 0;
    printf("SeqNN %s: %zu digits from %s\n", seqnn_version(), n, path);
    shuffle(x, labels, n);
    TRY(seqnn_to_categorical(labels, n, CLASSES, y, sizeof y / sizeof y[0], &y_len, NULL));

    seqnn_model *model = seqnn_model_create(1234);
    TRY(seqnn_model_add(model, "Dense", "{\"units\": 32, \"input_shape\": [64]}"));
    TRY(seqnn_model_add(model, "Activation", "{\"activation\": \"relu\"}"));
    TRY(seqnn_model_add(model, "Dense", "{\"units\": 10}"));
    TRY(seqnn_model_add(model, "Activation", "{\"activation\": \"softmax\"}"));
    TRY(seqnn_model_add_metric(model, "mean_pred", mean_pred, NULL));
    TRY(seqnn_model_compile(model, "rmsprop", "categorical_crossentropy", "accuracy,mean_pred"));

    char summary[4096];
    TRY(seqnn_model_summary(model, summary, sizeof summary, NULL));
    fputs(summary, stdout);

    seqnn_fit_options options;
    seqnn_fit_options_init(&options);
    options.epochs = 30;
    options.batch_size = 32;
    options.validation_split = 0.2;   /* the last 20 %, as Keras takes it */
    options.verbose = 1;
    options.log = print_progress;
    seqnn_history *history = NULL;
    TRY(seqnn_model_fit(model, x, n * PIXELS, y, y_len, &options, &history));

    double val_acc[64];
    size_t epochs = 0;
    TRY(seqnn_history_get(history, "val_accuracy", val_acc, 64, &epochs));
    double final = val_acc[epochs - 1];
    printf("final validation accuracy: %.4f (%zu epochs)\n", final, epochs);

    seqnn_history_free(history);
    seqnn_model_free(model);
    if (final < 0.90) { fprintf(stderr, "validation accuracy below 0.90\n"); return 1; }
    return 0;
}
