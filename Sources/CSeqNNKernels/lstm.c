// The fused LSTM step (seqnn_kernels.h). Reference: LSTM.runForwardPlain / runBackwardPlain in Swift, whose
// per-gate passes these reproduce operation for operation (up to FMA contraction); RecurrentGradientTests
// compares the two.
#include "seqnn_kernels.h"
#include "variants.h"
#include <stdint.h>
#include <string.h>

// Compiled for each backend's instruction sets and chosen by the backend value (variants.h).

// FastMath.exp in C: Cephes's polynomial on a ln2 range reduction, 0 below -87.3 (flush-to-zero's answer),
// NaN in -> NaN out. Branch-free (selects) so the loops below vectorise.
static inline float fm_exp(float x0) {
    float x = x0 < -87.3f ? -87.3f : x0;
    x = x > 88.0f ? 88.0f : x;
    float k = x * 1.44269504f + 12582912.0f;   // round(x / ln2) + 1.5 * 2^23
    float n = k - 12582912.0f;
    float r = x - n * 0.693359375f - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float e = p * r * r + r + 1.0f;
    int32_t kb;
    memcpy(&kb, &k, sizeof kb);
    uint32_t sb = (uint32_t)((kb - 0x4B400000) + 127) << 23;
    float scale;
    memcpy(&scale, &sb, sizeof scale);
    float y = x0 < -87.3f ? 0.0f : e * scale;
    return x0 != x0 ? x0 : y;
}

static inline float fm_sigmoid(float x) { return 1.0f / (1.0f + fm_exp(-x)); }
static inline float fm_tanh(float x) { return 1.0f - 2.0f / (1.0f + fm_exp(2.0f * x)); }

static inline SEQNN_BODY
void SeqNNKernels_lstm_forward_step_body(const float *restrict zx, const float *restrict zh, float *restrict gates, const float *restrict c,
                             float *restrict c_next, float *restrict act_c, float *restrict h, long rows, long u) {
    for (long b = 0; b < rows; b++) {
        const float *restrict x = zx + b * 4 * u, *restrict r = zh + b * 4 * u;
        float *restrict g = gates + b * 4 * u;
        const float *restrict cr = c + b * u;
        float *restrict cn = c_next + b * u, *restrict ac = act_c + b * u, *restrict hr = h + b * u;
        for (long j = 0; j < u; j++) {
            float i = fm_sigmoid(x[j] + r[j]), f = fm_sigmoid(x[u + j] + r[u + j]);
            float gg = fm_tanh(x[2 * u + j] + r[2 * u + j]), o = fm_sigmoid(x[3 * u + j] + r[3 * u + j]);
            float cv = f * cr[j] + i * gg, a = fm_tanh(cv);
            g[j] = i; g[u + j] = f; g[2 * u + j] = gg; g[3 * u + j] = o;
            cn[j] = cv; ac[j] = a; hr[j] = o * a;
        }
    }
}

SEQNN_VARIANTS_VOID(SeqNNKernels_lstm_forward_step,
                    (const float *restrict zx, const float *restrict zh, float *restrict gates,
                     const float *restrict c, float *restrict c_next, float *restrict act_c, float *restrict h,
                     long rows, long u),
                    (zx, zh, gates, c, c_next, act_c, h, rows, u))

static inline SEQNN_BODY
void SeqNNKernels_lstm_backward_step_body(const float *restrict gates, const float *restrict c, const float *restrict act_c,
                              const float *restrict dh, float *restrict dc, float *restrict dz, long rows, long u) {
    for (long b = 0; b < rows; b++) {
        const float *restrict g = gates + b * 4 * u;
        const float *restrict cr = c + b * u, *restrict ac = act_c + b * u, *restrict d = dh + b * u;
        float *restrict dcr = dc + b * u, *restrict dzr = dz + b * 4 * u;
        for (long j = 0; j < u; j++) {
            float i = g[j], f = g[u + j], gg = g[2 * u + j], o = g[3 * u + j], a = ac[j], dv = d[j];
            float dct = dcr[j] + dv * o * (1.0f - a * a);
            dzr[j] = dct * gg * i * (1.0f - i);
            dzr[u + j] = dct * cr[j] * f * (1.0f - f);
            dzr[2 * u + j] = dct * i * (1.0f - gg * gg);
            dzr[3 * u + j] = dv * a * o * (1.0f - o);
            dcr[j] = dct * f;
        }
    }
}

SEQNN_VARIANTS_VOID(SeqNNKernels_lstm_backward_step,
                    (const float *restrict gates, const float *restrict c, const float *restrict act_c,
                     const float *restrict dh, float *restrict dc, float *restrict dz, long rows, long u),
                    (gates, c, act_c, dh, dc, dz, rows, u))
