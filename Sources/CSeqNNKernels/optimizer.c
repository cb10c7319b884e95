/* The per-weight optimizer updates, as C loops compiled for AVX-512, AVX2+FMA and baseline x86-64 and
 * chosen by the backend (variants.h). Why not Swift: Swift compiles for the x86-64 baseline (SSE2), so its loops
 * ran 4 floats at a time with scalar-latency square roots and divisions; Adam's update was 27 % of a wide
 * MLP's training step and RMSprop's 39 % of the tutorial MLP's. Contraction into FMA is off so every clone,
 * and the Swift reference loops the tests compare with, round identically. */
#include "seqnn_kernels.h"
#include "variants.h"
#include <math.h>

#pragma clang fp contract(off)

static inline SEQNN_BODY void SeqNNKernels_adam_body(float *restrict w, const float *restrict g, float *restrict m, float *restrict v,
                             long n, float alpha, float one_minus_b1, float one_minus_b2, float eps) {
    for (long j = 0; j < n; j++) {
        const float mj = m[j] + (g[j] - m[j]) * one_minus_b1;
        const float vj = v[j] + (g[j] * g[j] - v[j]) * one_minus_b2;
        m[j] = mj;
        v[j] = vj;
        w[j] -= alpha * mj / (sqrtf(vj) + eps);
    }
}

SEQNN_VARIANTS_VOID(SeqNNKernels_adam,
                    (float *restrict w, const float *restrict g, float *restrict m, float *restrict v, long n,
                     float alpha, float one_minus_b1, float one_minus_b2, float eps),
                    (w, g, m, v, n, alpha, one_minus_b1, one_minus_b2, eps))

static inline SEQNN_BODY void SeqNNKernels_rmsprop_body(float *restrict w, const float *restrict g, float *restrict v, long n, float rho,
                                float lr, float eps) {
    const float one_minus_rho = 1 - rho;
    for (long j = 0; j < n; j++) {
        const float vj = rho * v[j] + one_minus_rho * g[j] * g[j];
        v[j] = vj;
        w[j] -= lr * g[j] / sqrtf(vj + eps);
    }
}

SEQNN_VARIANTS_VOID(SeqNNKernels_rmsprop,
                    (float *restrict w, const float *restrict g, float *restrict v, long n, float rho, float lr,
                     float eps),
                    (w, g, v, n, rho, lr, eps))
