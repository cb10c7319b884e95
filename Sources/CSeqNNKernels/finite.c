/* Finiteness checks of caller data (fit/evaluate/predict refuse NaN and infinity up front, so a bad value
 * is reported with its position before any weight changes). As a Swift `firstIndex(where:)` over the
 * whole input this was 4-5 % of a predict or short fit; here it runs at memory speed: an integer test of
 * the exponent bits that vectorises, per block, and a scalar search only in a block that failed. */
#include "seqnn_kernels.h"
#include "variants.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

static inline SEQNN_BODY long SeqNNKernels_first_nonfinite_body(const float *x, long n) {
    enum { BLOCK = 4096 };
    for (long start = 0; start < n; start += BLOCK) {
        const long end = n - start < BLOCK ? n : start + BLOCK;
        uint32_t bad = 0;
        for (long j = start; j < end; j++) {
            uint32_t bits;
            memcpy(&bits, x + j, sizeof bits);
            bad |= (bits & 0x7f800000u) == 0x7f800000u;   /* exponent all ones: infinity or NaN */
        }
        if (bad)
            for (long j = start; j < end; j++)
                if (!isfinite(x[j])) return j;
    }
    return -1;
}

SEQNN_VARIANTS(long, SeqNNKernels_first_nonfinite, (const float *x, long n), (x, n))
