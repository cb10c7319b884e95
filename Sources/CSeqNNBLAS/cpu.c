/* The one place SeqNN reads the CPU's features and the backend override (seqnn_cpu.h).
 *
 * Why one place: the kernel families used to decide separately (blas.c twice, honouring SEQNN_GEMM; the
 * convolution with its own check; the optimizer, LSTM and finite-check clones by the loader's ifunc, which
 * no environment variable can steer), with feature sets that did not match their target attributes. Now
 * every family asks SeqNNCPU_backend(), so one variable forces one path everywhere, tests can run each path
 * on one machine, and the benchmark can say which ran.
 *
 * The test reads CPUID and XCR0 itself rather than __builtin_cpu_supports so that it checks exactly the
 * feature strings the target attributes are built from (SEQNN_AVX512_FEATURES, SEQNN_AVX2_FEATURES): an
 * unknown name in those lists counts as absent, so a list and this table can never silently disagree. */
#include "seqnn_cpu.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int best = SEQNN_BACKEND_PORTABLE, chosen = SEQNN_BACKEND_PORTABLE, fell_back, gemm_openblas;

#if defined(__x86_64__)
/* 1 when `name` (one feature of a target string) is present in CPUID and its register state is enabled
 * by the OS in XCR0 (YMM for AVX-class, ZMM and opmask too for AVX-512). */
static int has_feature(const char *name, size_t len) {
    unsigned a, b, c, d, b7 = 0, c7 = 0, d7 = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const unsigned c1 = c;
    if (__get_cpuid_max(0, NULL) >= 7) __cpuid_count(7, 0, a, b7, c7, d7);
    (void)c7; (void)d7;
    unsigned long long xcr0 = 0;
    if (c1 & (1u << 27)) {   /* OSXSAVE: XGETBV is available */
        unsigned lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        xcr0 = ((unsigned long long)hi << 32) | lo;
    }
    const int ymm = (xcr0 & 0x6) == 0x6, zmm = (xcr0 & 0xe6) == 0xe6;
    static const struct { const char *name; int leaf7; unsigned bit; int state; } table[] = {
        /* state: 1 needs YMM, 2 needs ZMM */
        {"avx", 0, 28, 1},      {"fma", 0, 12, 1},       {"f16c", 0, 29, 1},     {"avx2", 1, 5, 1},
        {"avx512f", 1, 16, 2},  {"avx512dq", 1, 17, 2},  {"avx512bw", 1, 30, 2}, {"avx512vl", 1, 31, 2},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strlen(table[i].name) != len || strncmp(table[i].name, name, len) != 0) continue;
        const unsigned reg = table[i].leaf7 ? b7 : c1;
        if (!(reg & (1u << table[i].bit))) return 0;
        return table[i].state == 2 ? zmm : ymm;
    }
    return 0;   /* a name this table does not know: treat as missing (fail safe) */
}

/* Every comma-separated feature of `list` is present. */
static int has_all(const char *list) {
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        const size_t len = end ? (size_t)(end - p) : strlen(p);
        if (!has_feature(p, len)) return 0;
        p += len + (end ? 1 : 0);
    }
    return 1;
}
#endif

static void decide(void) {
#if defined(__x86_64__)
    best = has_all(SEQNN_AVX512_FEATURES) ? SEQNN_BACKEND_AVX512
         : has_all(SEQNN_AVX2_FEATURES)   ? SEQNN_BACKEND_AVX2
                                          : SEQNN_BACKEND_PORTABLE;
#endif
    chosen = best;
    const char *want = getenv("SEQNN_BACKEND");
    int asked = -1;
    if (want && strcasecmp(want, "avx512") == 0) asked = SEQNN_BACKEND_AVX512;
    else if (want && strcasecmp(want, "avx2") == 0) asked = SEQNN_BACKEND_AVX2;
    else if (want && strcasecmp(want, "portable") == 0) asked = SEQNN_BACKEND_PORTABLE;
    /* The backends are ordered: each CPU that runs one runs every lower one. */
    if (asked >= 0) {
        fell_back = asked > best;
        chosen = fell_back ? best : asked;
    }
    const char *gemm = getenv("SEQNN_GEMM");
    gemm_openblas = gemm && strcasecmp(gemm, "openblas") == 0;
}

int SeqNNCPU_backend(void) {
    pthread_once(&once, decide);
    return chosen;
}

int SeqNNCPU_best(void) {
    pthread_once(&once, decide);
    return best;
}

int SeqNNCPU_fell_back(void) {
    pthread_once(&once, decide);
    return fell_back;
}

int SeqNNCPU_gemm_openblas(void) {
    pthread_once(&once, decide);
    return gemm_openblas;
}

const char *SeqNNCPU_name(int backend) {
    switch (backend) {
    case SEQNN_BACKEND_AVX512: return "avx512";
    case SEQNN_BACKEND_AVX2: return "avx2";
    default: return "portable";
    }
}
