/*
 * test_registry.c - seqnn_layer_class_names (ABI version 2): the Keras layer classes the library builds.
 *
 * Sizes (the size query, an exact buffer, one byte short, len NULL), misuse (NULL buffer with a capacity),
 * the contents (sorted, one name per line, no empty or trailing line, the classes the header documents),
 * agreement with what seqnn_model_add says it supports, and calls from several threads at once.
 *
 * Build: cc -std=c11 -Wall -Wextra -Werror -IInclude Tests/c/test_registry.c -Lbuild -lseqnn -lpthread
 * Run:   ./test_registry [-v]
 * Prints "N passed, M failed" and exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seqnn.h"

static int t_passed, t_failed, t_verbose;

static void t_report(int ok, int line, const char *what) {
    if (ok) {
        t_passed++;
        if (!t_verbose) return;
    } else {
        t_failed++;
    }
    fprintf(stderr, "%s test_registry.c:%d %s\n", ok ? "ok  " : "FAIL", line, what);
}

#define CHECK(cond) t_report(!!(cond), __LINE__, #cond)

/* The whole list, read the way the header says: size query, then a buffer of len + 1. Caller frees. */
static char *class_names(size_t *out_len) {
    size_t len = 0;
    if (seqnn_layer_class_names(NULL, 0, &len) != SEQNN_BUFFER_TOO_SMALL) return NULL;
    char *buf = malloc(len + 1);
    if (!buf) return NULL;
    if (seqnn_layer_class_names(buf, len + 1, NULL) != SEQNN_OK) {
        free(buf);
        return NULL;
    }
    if (out_len) *out_len = len;
    return buf;
}

/* 1 when `name` is one whole line of the newline-separated `list`. */
static int has_line(const char *list, const char *name) {
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)) != NULL; p += n) {
        int starts = p == list || p[-1] == '\n';
        int ends = p[n] == '\0' || p[n] == '\n';
        if (starts && ends) return 1;
    }
    return 0;
}

static void test_abi_version(void) {
    CHECK(SEQNN_ABI_VERSION >= 2);                       /* the function came with ABI version 2 */
    CHECK(seqnn_abi_version() == SEQNN_ABI_VERSION);
}

static void test_sizes(void) {
    size_t len = 12345;
    /* The size query: NULL buffer, capacity 0 -> too small, with the length needed (without the NUL). */
    CHECK(seqnn_layer_class_names(NULL, 0, &len) == SEQNN_BUFFER_TOO_SMALL);
    CHECK(len > 0 && len < 100000);
    CHECK(strstr(seqnn_last_error(), "needed") != NULL);

    char *exact = malloc(len + 1);
    CHECK(exact != NULL);
    if (!exact) return;
    memset(exact, 'x', len + 1);
    size_t got = 0;
    CHECK(seqnn_layer_class_names(exact, len + 1, &got) == SEQNN_OK);
    CHECK(got == len);
    CHECK(exact[len] == '\0' && strlen(exact) == len);

    /* One byte short: no room for the NUL. The length needed is still reported. */
    char *shorter = malloc(len);
    CHECK(shorter != NULL);
    if (shorter) {
        got = 0;
        CHECK(seqnn_layer_class_names(shorter, len, &got) == SEQNN_BUFFER_TOO_SMALL);
        CHECK(got == len);
        CHECK(strstr(seqnn_last_error(), "seqnn_layer_class_names") != NULL);
        free(shorter);
    }
    char tiny[4];
    CHECK(seqnn_layer_class_names(tiny, sizeof tiny, NULL) == SEQNN_BUFFER_TOO_SMALL);   /* len may be NULL */

    /* A larger buffer is fine, and the same text comes back. */
    char *big = malloc(len + 100);
    if (big) {
        CHECK(seqnn_layer_class_names(big, len + 100, NULL) == SEQNN_OK);
        CHECK(strcmp(big, exact) == 0);
        free(big);
    }
    free(exact);
}

static void test_misuse(void) {
    size_t len = 0;
    /* A NULL buffer that claims a capacity is a caller's bug: said as such, not "too small". */
    CHECK(seqnn_layer_class_names(NULL, 64, &len) == SEQNN_INVALID_ARGUMENT);
    CHECK(strstr(seqnn_last_error(), "buf is NULL") != NULL);
    /* Everything NULL: still the size query's answer (nothing to store the size in), never a crash. */
    CHECK(seqnn_layer_class_names(NULL, 0, NULL) == SEQNN_BUFFER_TOO_SMALL);
}

static void test_contents(void) {
    size_t len = 0;
    char *list = class_names(&len);
    CHECK(list != NULL);
    if (!list) return;
    CHECK(list[0] != '\n' && list[len - 1] != '\n');     /* no leading or trailing newline */
    CHECK(strstr(list, "\n\n") == NULL);                 /* no empty line */
    CHECK(strchr(list, ' ') == NULL && strchr(list, ',') == NULL);

    /* Sorted (strictly: no duplicates). */
    char *copy = strdup(list);
    int sorted = 1, count = 0;
    char *prev = NULL, *save = NULL;
    for (char *name = strtok_r(copy, "\n", &save); name; name = strtok_r(NULL, "\n", &save)) {
        if (prev && strcmp(prev, name) >= 0) sorted = 0;
        prev = name;
        count++;
    }
    CHECK(sorted);
    CHECK(count >= 30);
    free(copy);

    /* The classes seqnn_model_add's comment in seqnn.h names, independently of the library. */
    static const char *const documented[] = {
        "Dense", "Activation", "Dropout", "Flatten", "Reshape", "InputLayer", "BatchNormalization",
        "LayerNormalization", "RepeatVector", "Permute", "Conv1D", "Conv2D", "MaxPooling1D", "MaxPooling2D",
        "AveragePooling1D", "AveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
        "GlobalAveragePooling1D", "GlobalAveragePooling2D", "ZeroPadding1D", "ZeroPadding2D", "UpSampling1D",
        "UpSampling2D", "Cropping1D", "Cropping2D", "Embedding", "SimpleRNN", "LSTM", "GRU", "Bidirectional",
        "TimeDistributed",
    };
    for (size_t i = 0; i < sizeof documented / sizeof documented[0]; i++) {
        if (!has_line(list, documented[i])) {
            fprintf(stderr, "  missing: %s\n", documented[i]);
            CHECK(!"a class seqnn.h documents is listed");
        }
    }
    CHECK(!has_line(list, "Sequential") && !has_line(list, "Dens"));
    free(list);
}

/* seqnn_model_add refuses an unknown class with the list of the ones it supports: it must be this list. */
static void test_agrees_with_model_add(void) {
    char *list = class_names(NULL);
    seqnn_model *m = seqnn_model_create(1);
    CHECK(list != NULL && m != NULL);
    if (list && m) {
        CHECK(seqnn_model_add(m, "NoSuchLayer", NULL) == SEQNN_UNSUPPORTED);
        const char *msg = seqnn_model_last_error(m);
        const char *supported = strstr(msg, "supported: ");
        CHECK(supported != NULL);
        if (supported) {
            /* "A, B, C" -> "A\nB\nC" */
            char *expected = strdup(supported + strlen("supported: "));
            size_t w = 0;
            for (size_t r = 0; expected[r]; r++) {
                if (expected[r] == ',' && expected[r + 1] == ' ') { expected[w++] = '\n'; r++; }
                else expected[w++] = expected[r];
            }
            expected[w] = '\0';
            CHECK(strcmp(expected, list) == 0);
            free(expected);
        }
        /* A listed class builds: Dense with its one required option. */
        CHECK(has_line(list, "Dense") && seqnn_model_add(m, "Dense", "{\"units\": 2, \"input_shape\": [3]}") == SEQNN_OK);
    }
    seqnn_model_free(m);
    free(list);
}

/* Thread-safe: the same answer from several threads at once. */
enum { THREADS = 4, ROUNDS = 200 };

static void *reader(void *arg) {
    const char *reference = arg;
    for (int i = 0; i < ROUNDS; i++) {
        char *list = class_names(NULL);
        int same = list && strcmp(list, reference) == 0;
        free(list);
        if (!same) return (void *)1;
    }
    return NULL;
}

static void test_threads(void) {
    char *reference = class_names(NULL);
    CHECK(reference != NULL);
    if (!reference) return;
    pthread_t t[THREADS];
    int started = 0, failures = 0;
    for (int i = 0; i < THREADS; i++) {
        if (pthread_create(&t[i], NULL, reader, reference) == 0) started++;
    }
    for (int i = 0; i < started; i++) {
        void *rc = NULL;
        pthread_join(t[i], &rc);
        if (rc) failures++;
    }
    CHECK(started == THREADS);
    CHECK(failures == 0);
    free(reference);
}

int main(int argc, char **argv) {
    t_verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    test_abi_version();
    test_sizes();
    test_misuse();
    test_contents();
    test_agrees_with_model_add();
    test_threads();
    printf("test_registry: %d passed, %d failed\n", t_passed, t_failed);
    return t_failed == 0 ? 0 : 1;
}
