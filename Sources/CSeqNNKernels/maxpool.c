/* Max pooling over non-overlapping windows, 16 channels per ZMM register: forward records which
   window element was the (first) maximum in one byte, so backward only scatters dy (see Pooling.swift,
   whose SIMD8 loops are the fallback and whose generic loops are the reference). */
#include "seqnn_kernels.h"
#include "portable.h"
#include "seqnn_cpu.h"

#if defined(__x86_64__)
#include "kernels_internal.h"

static AVX512 void maxpool_forward_avx512(const float *x, int samples, const SeqNNWindow *g, float *y, unsigned char *arg) {
    const int C = g->channels;
    const long inSize = (long)g->inH * g->inW * C;
    for (int n = 0; n < samples; n++) {
        for (int oh = 0; oh < g->outH; oh++) {
            for (int ow = 0; ow < g->outW; ow++) {
                long o = (((long)n * g->outH + oh) * g->outW + ow) * C;
                pool_window(x + n * inSize, 0, g, oh, ow, y + o, arg + o);
            }
        }
    }
}

static AVX512 void maxpool_backward_avx512(const float *dy, const unsigned char *arg, int samples, const SeqNNWindow *g,
                                           float *dx) {
    const int C = g->channels;
    const long inSize = (long)g->inH * g->inW * C;
    for (int n = 0; n < samples; n++) {
        float *dxs = dx + n * inSize;
        for (int oh = 0; oh < g->outH; oh++) {
            for (int ow = 0; ow < g->outW; ow++) {
                int top, left, h0, h1, w0, w1;
                window_of(g, oh, ow, &top, &left, &h0, &h1, &w0, &w1);
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

#endif

void SeqNNKernels_maxpool_forward(const float *x, int samples, const SeqNNWindow *g, float *y, unsigned char *arg) {
#if defined(__x86_64__)
    if (SeqNNCPU_backend() == SEQNN_BACKEND_AVX512) {
        maxpool_forward_avx512(x, samples, g, y, arg);
        return;
    }
#endif
    SeqNNKernels_maxpool_forward_portable(x, samples, g, y, arg);
}

void SeqNNKernels_maxpool_backward(const float *dy, const unsigned char *arg, int samples, const SeqNNWindow *g, float *dx) {
#if defined(__x86_64__)
    if (SeqNNCPU_backend() == SEQNN_BACKEND_AVX512) {
        maxpool_backward_avx512(dy, arg, samples, g, dx);
        return;
    }
#endif
    SeqNNKernels_maxpool_backward_portable(dy, arg, samples, g, dx);
}
