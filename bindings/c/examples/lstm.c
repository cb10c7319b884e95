/* An LSTM text classifier from C, on sequences generated deterministically here:
 *
 *   Sequential([Embedding(20, 8, input_length=12), LSTM(16), Dense(1, activation='sigmoid')])
 *   compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
 *
 * Each sequence holds 12 word ids in 1..19; its label says whether the first half has more "high" words
 * (id >= 10) than the second half, so the model must use word order, not just word counts. Then the same
 * weights stream one sequence a step at a time through a stateful copy (batch size 1), which must give
 * the whole-sequence prediction. Exits 1 if validation accuracy is below 85 % or streaming disagrees. */
#include <math.h>
#include <seqnn.h>
#include <stdio.h>
#include <stdlib.h>

#define T 12
#define N 2048

#define TRY(call) do { int rc_ = (call); if (rc_ != SEQNN_OK) { \
    fprintf(stderr, "%s failed: %s (%s)\n", #call, seqnn_status_string(rc_), seqnn_last_error()); exit(2); } } while (0)

static void print_progress(void *user_data, const char *text) { (void)user_data; fputs(text, stdout); fflush(stdout); }

/* The same architecture; `stateful` builds the streaming form: batch size 1, one step per call. */
static seqnn_model *build(int stateful) {
    seqnn_model *m = seqnn_model_create(11);
    if (stateful) {
        TRY(seqnn_model_add(m, "Embedding", "{\"input_dim\": 20, \"output_dim\": 8, \"batch_input_shape\": [1, 1]}"));
        TRY(seqnn_model_add(m, "LSTM", "{\"units\": 16, \"stateful\": true}"));
    } else {
        TRY(seqnn_model_add(m, "Embedding", "{\"input_dim\": 20, \"output_dim\": 8, \"input_length\": 12}"));
        TRY(seqnn_model_add(m, "LSTM", "{\"units\": 16}"));
    }
    TRY(seqnn_model_add(m, "Dense", "{\"units\": 1, \"activation\": \"sigmoid\"}"));
    return m;
}

int main(void) {
    static float x[N * T], y[N];
    uint64_t s = 42;
    for (int i = 0; i < N; i++) {
        int first = 0, second = 0;
        for (int t = 0; t < T; t++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            int id = 1 + (int)((s >> 33) % 19);
            x[i * T + t] = (float)id;
            if (id >= 10) { if (t < T / 2) first++; else second++; }
        }
        y[i] = first > second ? 1.0f : 0.0f;
    }
    seqnn_model *model = build(0);
    TRY(seqnn_model_compile(model, "{\"class_name\": \"Adam\", \"config\": {\"learning_rate\": 0.01}}", "binary_crossentropy", "accuracy"));
    seqnn_fit_options options;
    seqnn_fit_options_init(&options);
    options.epochs = 15;
    options.validation_split = 0.2;
    options.verbose = 2;
    options.log = print_progress;
    seqnn_history *history = NULL;
    TRY(seqnn_model_fit(model, x, N * T, y, N, &options, &history));
    double acc[32];
    size_t epochs = 0;
    TRY(seqnn_history_get(history, "val_accuracy", acc, 32, &epochs));
    printf("final validation accuracy: %.4f\n", acc[epochs - 1]);

    /* Streaming: copy the weights into the stateful model, feed sample 0 one word per call. */
    seqnn_model *stream = build(1);
    for (size_t layer = 0; layer < seqnn_model_layer_count(model); layer++) {
        size_t count = 0;
        TRY(seqnn_model_weight_count(model, layer, &count));
        for (size_t w = 0; w < count; w++) {
            static float buf[1 << 16];
            size_t len = 0;
            TRY(seqnn_model_get_weight(model, layer, w, buf, sizeof buf / sizeof buf[0], &len));
            TRY(seqnn_model_set_weight(stream, layer, w, buf, len));
        }
    }
    float whole = 0, step = 0;
    TRY(seqnn_model_predict(model, x, T, 0, &whole, 1, NULL));
    TRY(seqnn_model_reset_states(stream));
    for (int t = 0; t < T; t++) TRY(seqnn_model_predict(stream, x + t, 1, 0, &step, 1, NULL));
    printf("sample 0: whole sequence %.6f, streamed a step at a time %.6f\n", whole, step);
    int ok = acc[epochs - 1] >= 0.85 && fabsf(whole - step) < 1e-5f;
    seqnn_history_free(history);
    seqnn_model_free(stream);
    seqnn_model_free(model);
    return !ok;
}
