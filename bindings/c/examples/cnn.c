/* The Keras guide's convolutional form, from C, on the 8x8 handwritten digits:
 *
 *   Sequential([Conv2D(16, (3, 3), activation='relu', input_shape=(8, 8, 1)), MaxPooling2D((2, 2)),
 *               Flatten(), Dense(10, activation='softmax')])
 *   compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
 *   fit(x, labels, epochs=20, batch_size=32, validation_split=0.2)
 *
 * Exits 1 if the final validation accuracy is below 90 %.   Usage: cnn [path/to/digits.csv] */
#include <seqnn.h>
#include <stdio.h>
#include <stdlib.h>

#define PIXELS 64
#define MAX_SAMPLES 2000

#define TRY(call) do { int rc_ = (call); if (rc_ != SEQNN_OK) { \
    fprintf(stderr, "%s failed: %s (%s)\n", #call, seqnn_status_string(rc_), seqnn_last_error()); exit(2); } } while (0)

/* Reads data/digits/digits.csv (64 pixels 0..16, then the label) and shuffles it once with a fixed seed
 * (the file is ordered by writer; Keras's validation_split takes the last rows without shuffling). */
static size_t load_digits(const char *path, float *x, float *labels) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(2); }
    size_t n = 0;
    int v;
    while (n < MAX_SAMPLES && fscanf(f, "%d", &v) == 1) {
        x[n * PIXELS] = (float)v / 16.0f;
        for (int j = 1; j < PIXELS; j++) {
            if (fscanf(f, ",%d", &v) != 1) { fprintf(stderr, "%s: bad row %zu\n", path, n + 1); exit(2); }
            x[n * PIXELS + j] = (float)v / 16.0f;
        }
        if (fscanf(f, ",%d", &v) != 1) { fprintf(stderr, "%s: row %zu has no label\n", path, n + 1); exit(2); }
        labels[n++] = (float)v;
    }
    fclose(f);
    uint64_t s = 20240601;
    for (size_t i = n - 1; i > 0; i--) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t j = (size_t)((s >> 33) % (i + 1));
        for (int k = 0; k < PIXELS; k++) { float t = x[i * PIXELS + k]; x[i * PIXELS + k] = x[j * PIXELS + k]; x[j * PIXELS + k] = t; }
        float t = labels[i]; labels[i] = labels[j]; labels[j] = t;
    }
    return n;
}

static void print_progress(void *user_data, const char *text) { (void)user_data; fputs(text, stdout); fflush(stdout); }

int main(int argc, char **argv) {
    static float x[MAX_SAMPLES * PIXELS], labels[MAX_SAMPLES];
    size_t n = load_digits(argc > 1 ? argv[1] : "data/digits/digits.csv", x, labels);

    seqnn_model *model = seqnn_model_create(7);
    TRY(seqnn_model_add(model, "Conv2D", "{\"filters\": 16, \"kernel_size\": [3, 3], \"activation\": \"relu\", \"input_shape\": [8, 8, 1]}"));
    TRY(seqnn_model_add(model, "MaxPooling2D", "{\"pool_size\": [2, 2]}"));
    TRY(seqnn_model_add(model, "Flatten", NULL));
    TRY(seqnn_model_add(model, "Dense", "{\"units\": 10, \"activation\": \"softmax\"}"));
    TRY(seqnn_model_compile(model, "adam", "sparse_categorical_crossentropy", "accuracy"));
    char summary[4096];
    TRY(seqnn_model_summary(model, summary, sizeof summary, NULL));
    fputs(summary, stdout);

    seqnn_fit_options options;
    seqnn_fit_options_init(&options);
    options.epochs = 20;
    options.validation_split = 0.2;
    options.verbose = 2;
    options.log = print_progress;
    seqnn_history *history = NULL;
    TRY(seqnn_model_fit(model, x, n * PIXELS, labels, n, &options, &history));
    double acc[32];
    size_t epochs = 0;
    TRY(seqnn_history_get(history, "val_accuracy", acc, 32, &epochs));
    printf("final validation accuracy: %.4f\n", acc[epochs - 1]);
    seqnn_history_free(history);
    seqnn_model_free(model);
    return acc[epochs - 1] < 0.90;
}
