/* Inline pieces shared by the AVX-512 kernel files (x86-64 only). Not a module header. */
#ifndef SEQNN_KERNELS_INTERNAL_H
#define SEQNN_KERNELS_INTERNAL_H
#include "include/seqnn_kernels.h"
#include "portable.h"
#include "seqnn_cpu.h"
#include <immintrin.h>

/* Exactly the features cpu.c tests before it picks the AVX-512 backend; the exported kernels run the
 * functions marked so only on that backend (else their plain C versions, conv_portable.c). */
#define AVX512 SEQNN_TARGET_AVX512
#define INLINE static inline __attribute__((always_inline))

enum { BLOCK = 4, MAXBLOCK = 8, MAXV = 4, MAXK = 32 };

/* z or relu(z) for 16 filters (NaN -> 0, as Activations.ReLU). */
INLINE AVX512 __m512 activate(__m512 z, int relu) {
    return relu ? _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(z, _mm512_setzero_ps(), _CMP_GT_OQ), z) : z;
}

/* Max pooling of window (oh, ow) of an image whose rows from `firstRow` on are at `img` (row stride
   g->inW * C): the maxima to y[C] and the first maximum's window offset to arg[C]. C % 16 == 0. */
INLINE AVX512 void pool_window(const float *img, int firstRow, const SeqNNWindow *g, int oh, int ow,
                               float *y, unsigned char *arg) {
    const int C = g->channels;
    int top, left, h0, h1, w0, w1;
    window_of(g, oh, ow, &top, &left, &h0, &h1, &w0, &w1);
    const float *first = img + ((long)(h0 - firstRow) * g->inW + w0) * C;
    int k0 = (h0 - top) * g->kW + (w0 - left);
    for (int i = 0; i < C; i += 16) {
        __m512 m = _mm512_loadu_ps(first + i);
        __m512i at = _mm512_set1_epi32(k0);
        for (int h = h0; h < h1; h++) {
            for (int w = w0; w < w1; w++) {
                __m512 v = _mm512_loadu_ps(img + ((long)(h - firstRow) * g->inW + w) * C + i);
                __mmask16 gt = _mm512_cmp_ps_mask(v, m, _CMP_GT_OQ);
                m = _mm512_mask_mov_ps(m, gt, v);
                at = _mm512_mask_mov_epi32(at, gt, _mm512_set1_epi32((h - top) * g->kW + (w - left)));
            }
        }
        _mm512_storeu_ps(y + i, m);
        _mm_storeu_si128((__m128i *)(arg + i), _mm512_cvtepi32_epi8(at));
    }
}

/* One row of the direct convolution's output (conv.c). */
void SeqNNKernels_conv_row(const float *xs, const SeqNNWindow *g, const float *w, const float *bias, int nv,
                           int relu, int oh, float *row);

/* acc[t][j] += x_t * dz[j] over the taps t of output position (oh, ow) of one sample xs; `toff` are the
   tap offsets from the window origin, used when every tap is inside the input. Both loops index acc
   with the tap number alone, so with a constant k the compiler keeps acc in registers (a tap index
   built in the edge case's nested loops made it spill all of acc to the stack). */
INLINE AVX512 void accumulate_taps(const float *xs, const SeqNNWindow *g, int oh, int ow, const int *toff, int k,
                                   int nv, const __m512 *dz, __m512 acc[][MAXV]) {
    const int C = g->channels;
    int ih0 = oh * g->sH - g->padTop, iw0 = ow * g->sW - g->padLeft;
    const float *xp;
    const int *off = toff;
    float patch[MAXK];
    static const int identity[MAXK] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                                       16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
    if (ih0 >= 0 && ih0 + (g->kH - 1) * g->dH < g->inH && iw0 >= 0 && iw0 + (g->kW - 1) * g->dW < g->inW) {
        xp = xs + ((long)ih0 * g->inW + iw0) * C;
    } else {   /* at a padded edge: the patch with zeros outside the input */
        for (int kh = 0, t = 0; kh < g->kH; kh++) {
            int ih = ih0 + kh * g->dH;
            for (int kw = 0; kw < g->kW; kw++) {
                int iw = iw0 + kw * g->dW;
                int in = ih >= 0 && ih < g->inH && iw >= 0 && iw < g->inW;
                for (int c = 0; c < C; c++, t++) patch[t] = in ? xs[((long)ih * g->inW + iw) * C + c] : 0.0f;
            }
        }
        xp = patch;
        off = identity;
    }
    for (int t = 0; t < k; t++) {
        __m512 xv = _mm512_set1_ps(xp[off[t]]);
        for (int j = 0; j < nv; j++) acc[t][j] = _mm512_fmadd_ps(xv, dz[j], acc[t][j]);
    }
}

/* toff[t] for t = (kh, kw, c): the tap's offset from the window origin in a channels_last sample. */
INLINE void tap_offsets(const SeqNNWindow *g, int *toff) {
    for (int kh = 0, t = 0; kh < g->kH; kh++)
        for (int kw = 0; kw < g->kW; kw++)
            for (int c = 0; c < g->channels; c++, t++) toff[t] = (kh * g->dH * g->inW + kw * g->dW) * g->channels + c;
}

/* dw[t][j] += acc[t][j], db[j] += bsum[j] (each when not NULL). */
INLINE AVX512 void store_gradients(int k, int nv, __m512 acc[][MAXV], const __m512 *bsum, float *dw, float *db) {
    const int F = nv * 16;
    for (int j = 0; j < nv; j++) {
        if (db) _mm512_storeu_ps(db + 16 * j, _mm512_add_ps(_mm512_loadu_ps(db + 16 * j), bsum[j]));
        if (dw) for (int t = 0; t < k; t++)
            _mm512_storeu_ps(dw + t * F + 16 * j, _mm512_add_ps(_mm512_loadu_ps(dw + t * F + 16 * j), acc[t][j]));
    }
}
#endif
