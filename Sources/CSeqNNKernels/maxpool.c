/* Max pooling over non-overlapping windows, 16 channels per ZMM register: forward records which
   window element was the (first) maximum in one byte, so backward only scatters dy (see Pooling.swift,
   whose SIMD8 loops are the fallback and whose generic loops are the reference). */
#include "seqnn_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define AVX512 __attribute__((target("avx512f")))

/* The real (unpadded) rows [*h0, *h1) and columns [*w0, *w1) of window (oh, ow); *top, *left its origin. */
static inline __attribute__((always_inline))
void window(const SeqNNWindow *g, int oh, int ow, int *top, int *left, int *h0, int *h1, int *w0, int *w1) {
    *top = oh * g->sH - g->padTop;
    *left = ow * g->sW - g->padLeft;
    *h0 = *top < 0 ? 0 : *top;
    *h1 = *top + g->kH < g->inH ? *top + g->kH : g->inH;
    *w0 = *left < 0 ? 0 : *left;
    *w1 = *left + g->kW < g->inW ? *left + g->kW : g->inW;
}

AVX512 void SeqNNKernels_maxpool_forward(const float *x, int samples, const SeqNNWindow *g, float *y, unsigned char *arg) {
    const int C = g->channels;
    const long inSize = (long)g->inH * g->inW * C;
    for (int n = 0; n < samples; n++) {
        const float *xs = x + n * inSize;
        for (int oh = 0; oh < g->outH; oh++) {
            for (int ow = 0; ow < g->outW; ow++) {
                int top, left, h0, h1, w0, w1;
                window(g, oh, ow, &top, &left, &h0, &h1, &w0, &w1);
                long o = (((long)n * g->outH + oh) * g->outW + ow) * C;
                const float *first = xs + ((long)h0 * g->inW + w0) * C;
                int k0 = (h0 - top) * g->kW + (w0 - left);
                for (int i = 0; i < C; i += 16) {
                    __m512 m = _mm512_loadu_ps(first + i);
                    __m512i at = _mm512_set1_epi32(k0);
                    for (int h = h0; h < h1; h++) {
                        for (int w = w0; w < w1; w++) {
                            __m512 v = _mm512_loadu_ps(xs + ((long)h * g->inW + w) * C + i);
                            __mmask16 gt = _mm512_cmp_ps_mask(v, m, _CMP_GT_OQ);
                            m = _mm512_mask_mov_ps(m, gt, v);
                            at = _mm512_mask_mov_epi32(at, gt, _mm512_set1_epi32((h - top) * g->kW + (w - left)));
                        }
                    }
                    _mm512_storeu_ps(y + o + i, m);
                    _mm_storeu_si128((__m128i *)(arg + o + i), _mm512_cvtepi32_epi8(at));
                }
            }
        }
    }
}

AVX512 void SeqNNKernels_maxpool_backward(const float *dy, const unsigned char *arg, int samples, const SeqNNWindow *g, float *dx) {
    const int C = g->channels;
    const long inSize = (long)g->inH * g->inW * C;
    for (int n = 0; n < samples; n++) {
        float *dxs = dx + n * inSize;
        for (int oh = 0; oh < g->outH; oh++) {
            for (int ow = 0; ow < g->outW; ow++) {
                int top, left, h0, h1, w0, w1;
                window(g, oh, ow, &top, &left, &h0, &h1, &w0, &w1);
                long o = (((long)n * g->outH + oh) * g->outW + ow) * C;
                for (int h = h0; h < h1; h++) {
                    for (int w = w0; w < w1; w++) {
                        __m512i k = _mm512_set1_epi32((h - top) * g->kW + (w - left));
                        float *p = dxs + ((long)h * g->inW + w) * C;
                        for (int i = 0; i < C; i += 16) {
                            __m512i at = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(arg + o + i)));
                            __mmask16 hit = _mm512_cmpeq_epi32_mask(at, k);
                            _mm512_storeu_ps(p + i, _mm512_maskz_mov_ps(hit, _mm512_loadu_ps(dy + o + i)));
                        }
                    }
                }
            }
        }
    }
}

#else
void SeqNNKernels_maxpool_forward(const float *x, int samples, const SeqNNWindow *g, float *y, unsigned char *arg) {}
void SeqNNKernels_maxpool_backward(const float *dy, const unsigned char *arg, int samples, const SeqNNWindow *g, float *dx) {}
#endif
