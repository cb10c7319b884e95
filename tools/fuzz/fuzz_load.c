/* libFuzzer target over the model loader (ARCHITECTURE §5): every input is written to a file and loaded with
 * seqnn_model_load; any crash, hang or sanitizer report is a bug. Built and run by tools/fuzz/run.sh. */
#include <seqnn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!path[0]) snprintf(path, sizeof path, "/tmp/seqnn-fuzz-%d.h5", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    seqnn_model *m = NULL;
    if (seqnn_model_load(path, 0, &m) == SEQNN_OK) {
        size_t in = 0, out = 0;
        if (seqnn_model_input_size(m, &in) == SEQNN_OK && seqnn_model_output_size(m, &out) == SEQNN_OK &&
            in > 0 && in < 100000 && out < 100000) {
            float *x = calloc(in, sizeof(float)), *y = calloc(out + 1, sizeof(float));
            seqnn_model_predict(m, x, in, 1, y, out, NULL);
            free(x);
            free(y);
        }
        seqnn_model_free(m);
    }
    return 0;
}
