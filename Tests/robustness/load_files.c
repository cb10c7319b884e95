/* load_files: the corruption corpus's loader (corpus.py). Reads lines "PATH" or "PATH<TAB>BASE" from stdin
 * and, for each, loads PATH through the C API as a user would (seqnn_model_load_ex with the default, safe
 * options but a short time limit), or for a weights file loads BASE (a good model, trusted) and then
 * PATH into it with seqnn_model_load_weights_ex. Prints "INDEX STATUS" per file, flushed, so the driver
 * knows which file a crash or hang of this process happened on (there must be none).
 *   load_files TIME_LIMIT_SECONDS [MEMORY_LIMIT_BYTES] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "seqnn.h"

int main(int argc, char **argv) {
    seqnn_load_options safe, trusted;
    seqnn_load_options_init(&safe);
    seqnn_load_options_init(&trusted);
    trusted.trusted = 1;
    safe.time_limit = argc > 1 ? atof(argv[1]) : 2.0;
    if (argc > 2) safe.memory_limit = strtoull(argv[2], NULL, 10);
    char line[8192];
    for (long i = 0; fgets(line, sizeof line, stdin); i++) {
        line[strcspn(line, "\n")] = 0;
        char *base = strchr(line, '\t');
        if (base) *base++ = 0;
        int status;
        seqnn_model *m = NULL;
        if (base) {
            status = seqnn_model_load_ex(base, 0, &trusted, &m);
            if (status == SEQNN_OK) status = seqnn_model_load_weights_ex(m, line, &safe);
            else status = 100 + status;   /* the base model did not load: a broken corpus, not a finding */
        } else {
            status = seqnn_model_load_ex(line, 0, &safe, &m);
        }
        const char *msg = status == SEQNN_OK ? "" : seqnn_last_error();
        char text[301];
        snprintf(text, sizeof text, "%s", msg ? msg : "");
        for (char *c = text; *c; c++) if (*c == '\n' || *c == '\r') *c = ' ';
        printf("%ld %d %s\n", i, status, text);
        fflush(stdout);
        seqnn_model_free(m);
    }
    return 0;
}
