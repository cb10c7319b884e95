/* One kernel compiled per backend and chosen by the backend value (seqnn_cpu.h), instead of the loader's
 * target_clones: an ifunc picks by CPU alone, so no environment variable could force the AVX2 or portable
 * clone on an AVX-512 machine, and each file's clone list had drifted (arch=haswell here, avx2 without FMA
 * there). Usage: write the loop once as `static inline SEQNN_BODY ret name_body(params)`, then
 *   SEQNN_VARIANTS_VOID(name, (params), (args))   or   SEQNN_VARIANTS(ret, name, (params), (args))
 * defines name_avx512 / name_avx2 (the body inlined into functions built for exactly the features cpu.c
 * tests), name_portable (baseline) and the exported `name`, which calls the one SeqNNCPU_backend() chose.
 * Off x86-64 only the portable one exists. Not a module header. */
#ifndef SEQNN_KERNELS_VARIANTS_H
#define SEQNN_KERNELS_VARIANTS_H
#include "seqnn_cpu.h"

/* Inlined into each variant, so the compiler vectorises the same loop for each instruction set. */
#define SEQNN_BODY __attribute__((always_inline))

#if defined(__x86_64__)
#define SEQNN_VARIANTS_VOID(name, params, args)                                                                \
    static SEQNN_TARGET_AVX512 void name##_avx512 params { name##_body args; }                               \
    static SEQNN_TARGET_AVX2 void name##_avx2 params { name##_body args; }                                   \
    static void name##_portable params { name##_body args; }                                                 \
    void name params {                                                                                       \
        switch (SeqNNCPU_backend()) {                                                                        \
        case SEQNN_BACKEND_AVX512: name##_avx512 args; break;                                                \
        case SEQNN_BACKEND_AVX2: name##_avx2 args; break;                                                    \
        default: name##_portable args; break;                                                                \
        }                                                                                                    \
    }
#define SEQNN_VARIANTS(ret, name, params, args)                                                                \
    static SEQNN_TARGET_AVX512 ret name##_avx512 params { return name##_body args; }                         \
    static SEQNN_TARGET_AVX2 ret name##_avx2 params { return name##_body args; }                             \
    static ret name##_portable params { return name##_body args; }                                           \
    ret name params {                                                                                        \
        switch (SeqNNCPU_backend()) {                                                                        \
        case SEQNN_BACKEND_AVX512: return name##_avx512 args;                                                \
        case SEQNN_BACKEND_AVX2: return name##_avx2 args;                                                    \
        default: return name##_portable args;                                                                \
        }                                                                                                    \
    }
#else
#define SEQNN_VARIANTS_VOID(name, params, args) void name params { name##_body args; }
#define SEQNN_VARIANTS(ret, name, params, args) ret name params { return name##_body args; }
#endif
#endif
