/*
 * memcheck.c - the memory figure of README's Reliability section: CYCLES create / compile / fit / save /
 * load / predict / free cycles, and the process's resident set size (RSS) must stay flat.
 *
 *     memcheck CYCLES DIR      (tools/stress/run.sh builds and runs it; tools/test.sh runs 300 cycles)
 *
 * Each cycle builds the same small model (Dense 16 relu -> Dense 4 softmax, Adam), fits one epoch on 64
 * samples, saves it as .h5 and as .keras into DIR, loads both back, predicts with each, and frees all three
 * models. RSS is read from /proc/self/statm after a warm-up of a tenth of the cycles (allocator arenas,
 * libhdf5's and OpenBLAS's one-time buffers) and at the end; the growth per cycle after the warm-up is the
 * leak figure. Exits 1 when the RSS grew by more than 4 MiB plus 64 bytes per cycle (a 1 KB leak per cycle
 * fails at 10,000 cycles; allocator noise does not), or when any call failed.
 */
#define _POSIX_C_SOURCE 200809L
#include <seqnn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long rss_kib(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

#define CALL(expr)                                                                                       \
    do {                                                                                                 \
        int rc_ = (expr);                                                                                \
        if (rc_ != SEQNN_OK) {                                                                           \
            fprintf(stderr, "memcheck: cycle %ld: %s -> %s: %s\n", cycle, #expr, seqnn_status_string(rc_), \
                    seqnn_last_error());                                                                 \
            return 1;                                                                                    \
        }                                                                                                \
    } while (0)

enum { SAMPLES = 64, IN = 8, OUT = 4 };

static int one_cycle(long cycle, const char *h5, const char *keras, const float *x, const float *y) {
    seqnn_model *m = seqnn_model_create((uint64_t)cycle);
    if (!m) return 1;
    CALL(seqnn_model_add(m, "Dense", "{\"units\": 16, \"activation\": \"relu\", \"input_dim\": 8}"));
    CALL(seqnn_model_add(m, "Dense", "{\"units\": 4, \"activation\": \"softmax\"}"));
    CALL(seqnn_model_compile(m, "adam", "categorical_crossentropy", "accuracy"));
    seqnn_fit_options o;
    seqnn_fit_options_init(&o);
    o.verbose = 0;
    o.batch_size = 16;
    seqnn_history *h = NULL;
    CALL(seqnn_model_fit(m, x, SAMPLES * IN, y, SAMPLES * OUT, &o, &h));
    seqnn_history_free(h);
    CALL(seqnn_model_save(m, h5, NULL));
    CALL(seqnn_model_save(m, keras, NULL));
    seqnn_model *a = NULL, *b = NULL;
    CALL(seqnn_model_load(h5, 0, &a));
    CALL(seqnn_model_load(keras, 0, &b));
    float pa[SAMPLES * OUT], pb[SAMPLES * OUT], pm[SAMPLES * OUT];
    CALL(seqnn_model_predict(m, x, SAMPLES * IN, 0, pm, SAMPLES * OUT, NULL));
    CALL(seqnn_model_predict(a, x, SAMPLES * IN, 0, pa, SAMPLES * OUT, NULL));
    CALL(seqnn_model_predict(b, x, SAMPLES * IN, 0, pb, SAMPLES * OUT, NULL));
    if (memcmp(pa, pm, sizeof pm) != 0 || memcmp(pb, pm, sizeof pm) != 0) {
        fprintf(stderr, "memcheck: cycle %ld: a loaded model predicts differently\n", cycle);
        return 1;
    }
    seqnn_model_free(a);
    seqnn_model_free(b);
    seqnn_model_free(m);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: memcheck CYCLES DIR\n");
        return 2;
    }
    long cycles = atol(argv[1]);
    if (cycles < 10) cycles = 10;
    char h5[4096], keras[4096];
    snprintf(h5, sizeof h5, "%s/memcheck.h5", argv[2]);
    snprintf(keras, sizeof keras, "%s/memcheck.keras", argv[2]);
    static float x[SAMPLES * IN], y[SAMPLES * OUT];
    for (int i = 0; i < SAMPLES * IN; i++) x[i] = (float)((i * 37) % 101) / 101.0f - 0.5f;
    for (int i = 0; i < SAMPLES; i++) y[i * OUT + i % OUT] = 1;

    long warm = cycles / 10, rss_start = rss_kib(), rss_warm = 0, rss_peak = 0;
    for (long cycle = 0; cycle < cycles; cycle++) {
        if (one_cycle(cycle, h5, keras, x, y)) return 1;
        long r = rss_kib();
        if (cycle + 1 == warm) rss_warm = r;
        if (r > rss_peak) rss_peak = r;
    }
    long rss_end = rss_kib();
    double per_cycle = (double)(rss_end - rss_warm) * 1024.0 / (double)(cycles - warm);
    printf("memcheck: %ld cycles (create, compile, fit, save .h5 and .keras, load both, predict, free)\n", cycles);
    printf("memcheck: RSS %ld KiB at start, %ld KiB after %ld warm-up cycles, %ld KiB at the end (peak %ld KiB): "
           "%+.1f bytes per cycle after the warm-up\n", rss_start, rss_warm, warm, rss_end, rss_peak, per_cycle);
    unlink(h5);
    unlink(keras);
    long allowed = 4096 + (long)(64.0 * (double)(cycles - warm) / 1024.0);
    if (rss_end - rss_warm > allowed) {
        printf("memcheck: FAILED: RSS grew by %ld KiB after the warm-up (allowed %ld KiB)\n", rss_end - rss_warm, allowed);
        return 1;
    }
    printf("memcheck: ok (RSS flat)\n");
    return 0;
}
