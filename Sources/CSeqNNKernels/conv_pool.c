/* Conv2D (direct, ReLU or linear) and the max pooling after it as one pass, for a model's first
   trainable layer (see BaseConv.forwardPooled). Run as two layers, W4's convolution output (5.5 MB per
   batch) is written, read by pooling, its gradient written by pooling and read back with the output
   again: four trips through L3 that were most of the time left. Here each pooling row's convolution
   rows are computed into a small buffer (in L1) and pooled at once, and backward rebuilds the
   convolution's output gradient window by window from dy, the recorded maxima and the pooled output
   (relu(max z) = max relu(z), so pooled > 0 exactly where the maximum's ReLU passes gradient). */
#include "seqnn_kernels.h"
#include "portable.h"
#include "seqnn_cpu.h"

#if defined(__x86_64__)
#include "kernels_internal.h"

static AVX512 void conv_pool_forward_avx512(const float *x, int samples, const SeqNNWindow *g, const float *w,
                                            const float *bias, int filters, int relu, const SeqNNWindow *p,
                                            float *buf, float *y, unsigned char *arg) {
    const int F = filters, nv = F / 16;
    for (int n = 0; n < samples; n++) {
        const float *xs = x + (long)n * g->inH * g->inW * g->channels;
        for (int ph = 0; ph < p->outH; ph++) {
            int top = ph * p->sH - p->padTop;
            int r0 = top < 0 ? 0 : top, r1 = top + p->kH < p->inH ? top + p->kH : p->inH;
            for (int oh = r0; oh < r1; oh++)
                SeqNNKernels_conv_row(xs, g, w, bias, nv, relu, oh, buf + (long)(oh - r0) * g->outW * F);
            for (int pw = 0; pw < p->outW; pw++) {
                long o = (((long)n * p->outH + ph) * p->outW + pw) * F;
                pool_window(buf, r0, p, ph, pw, y + o, arg + o);
            }
        }
    }
}

INLINE AVX512 void backward_body(const float *x, const float *dy, const float *y, const unsigned char *arg,
                                 int samples, const SeqNNWindow *g, const SeqNNWindow *p, int nv, int k, int relu,
                                 float *dw, float *db) {
    const int F = nv * 16;
    __m512 acc[MAXK][MAXV], bsum[MAXV];
    for (int j = 0; j < nv; j++) {
        bsum[j] = _mm512_setzero_ps();
        for (int t = 0; t < k; t++) acc[t][j] = _mm512_setzero_ps();
    }
    int toff[MAXK];
    tap_offsets(g, toff);
    const __m512 zero = _mm512_setzero_ps();
    for (int n = 0; n < samples; n++) {
        const float *xs = x + (long)n * g->inH * g->inW * g->channels;
        for (int ph = 0; ph < p->outH; ph++) {
            for (int pw = 0; pw < p->outW; pw++) {
                long o = (((long)n * p->outH + ph) * p->outW + pw) * F;
                __m512 d[MAXV];
                __m512i at[MAXV];
                for (int j = 0; j < nv; j++) {
                    d[j] = _mm512_loadu_ps(dy + o + 16 * j);
                    if (relu) d[j] = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_loadu_ps(y + o + 16 * j), zero, _CMP_GT_OQ), d[j]);
                    bsum[j] = _mm512_add_ps(bsum[j], d[j]);
                    at[j] = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(arg + o + 16 * j)));
                }
                int top, left, h0, h1, w0, w1;
                window_of(p, ph, pw, &top, &left, &h0, &h1, &w0, &w1);
                for (int h = h0; h < h1; h++) {
                    for (int w = w0; w < w1; w++) {
                        __m512i kv = _mm512_set1_epi32((h - top) * p->kW + (w - left));
                        __m512 dz[MAXV];
                        for (int j = 0; j < nv; j++) dz[j] = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at[j], kv), d[j]);
                        accumulate_taps(xs, g, h, w, toff, k, nv, dz, acc);
                    }
                }
            }
        }
    }
    store_gradients(k, nv, acc, bsum, dw, db);
}

static AVX512 void conv_pool_backward_avx512(const float *x, const float *dy, const float *y, const unsigned char *arg,
                                             int samples, const SeqNNWindow *g, const SeqNNWindow *p, int filters,
                                             int relu, float *dw, float *db) {
    int k = g->kH * g->kW * g->channels, nv = filters / 16;
    if (k == 9 && nv == 2) backward_body(x, dy, y, arg, samples, g, p, 2, 9, relu, dw, db);
    else if (k == 9 && nv == 1) backward_body(x, dy, y, arg, samples, g, p, 1, 9, relu, dw, db);
    else backward_body(x, dy, y, arg, samples, g, p, nv, k, relu, dw, db);
}

#endif

void SeqNNKernels_conv_pool_forward(const float *x, int samples, const SeqNNWindow *g, const float *w,
                                    const float *bias, int filters, int relu, const SeqNNWindow *p,
                                    float *buf, float *y, unsigned char *arg) {
#if defined(__x86_64__)
    if (SeqNNCPU_backend() == SEQNN_BACKEND_AVX512) {
        conv_pool_forward_avx512(x, samples, g, w, bias, filters, relu, p, buf, y, arg);
        return;
    }
#endif
    SeqNNKernels_conv_pool_forward_portable(x, samples, g, w, bias, filters, relu, p, buf, y, arg);
}

void SeqNNKernels_conv_pool_backward(const float *x, const float *dy, const float *y, const unsigned char *arg,
                                     int samples, const SeqNNWindow *g, const SeqNNWindow *p, int filters,
                                     int relu, float *dw, float *db) {
#if defined(__x86_64__)
    if (SeqNNCPU_backend() == SEQNN_BACKEND_AVX512) {
        conv_pool_backward_avx512(x, dy, y, arg, samples, g, p, filters, relu, dw, db);
        return;
    }
#endif
    SeqNNKernels_conv_pool_backward_portable(x, dy, y, arg, samples, g, p, filters, relu, dw, db);
}
