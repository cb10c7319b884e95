/* Direct convolution for few input channels (kH * kW * C small, e.g. 3x3 on a grey image): im2col +
   GEMM has K = 9 there, so the GEMM is mostly packing and the im2col copy, and the bias, ReLU and
   their gradients are extra passes over the output. Here each output position is a few FMAs per tap
   on 16-filter registers, with bias and ReLU applied in registers, and backward accumulates the kernel
   and bias gradients in registers straight from dy and y. */
#include "seqnn_kernels.h"
#include "portable.h"
#include "seqnn_cpu.h"

/* The Swift callers take these kernels only on the AVX-512 backend; the exported functions below check it
 * too and run the plain C versions otherwise, so no caller can reach AVX-512 code on a CPU without it. */
int SeqNNKernels_has_avx512(void) { return SeqNNCPU_backend() == SEQNN_BACKEND_AVX512; }

#if defined(__x86_64__)
#include "kernels_internal.h"

/* One output position (any position: taps outside the input are skipped). */
INLINE AVX512 void forward_one(const float *xs, const SeqNNWindow *g, const float *w, const float *bias, int nv,
                               int relu, int oh, int ow, float *out) {
    const int C = g->channels, F = nv * 16;
    __m512 acc[MAXV];
    for (int j = 0; j < nv; j++) acc[j] = bias ? _mm512_loadu_ps(bias + 16 * j) : _mm512_setzero_ps();
    for (int kh = 0; kh < g->kH; kh++) {
        int ih = oh * g->sH - g->padTop + kh * g->dH;
        if (ih < 0 || ih >= g->inH) continue;
        for (int kw = 0; kw < g->kW; kw++) {
            int iw = ow * g->sW - g->padLeft + kw * g->dW;
            if (iw < 0 || iw >= g->inW) continue;
            const float *xp = xs + ((long)ih * g->inW + iw) * C, *wp = w + (long)(kh * g->kW + kw) * C * F;
            for (int c = 0; c < C; c++) {
                __m512 xv = _mm512_set1_ps(xp[c]);
                for (int j = 0; j < nv; j++) acc[j] = _mm512_fmadd_ps(xv, _mm512_loadu_ps(wp + c * F + 16 * j), acc[j]);
            }
        }
    }
    for (int j = 0; j < nv; j++) _mm512_storeu_ps(out + 16 * j, activate(acc[j], relu));
}

/* bp (<= MAXBLOCK) adjacent output positions of row oh whose taps all lie inside the input columns:
   bp x nv independent accumulators hide the FMA latency, and each weight vector is loaded once per block. */
INLINE AVX512 void forward_block(const float *xs, const SeqNNWindow *g, const float *w, const float *bias, int nv,
                                 int relu, int oh, int ow, int bp, float *out) {
    const int C = g->channels, F = nv * 16, step = g->sW * C;
    __m512 acc[MAXBLOCK][MAXV];
    for (int j = 0; j < nv; j++) {
        __m512 b = bias ? _mm512_loadu_ps(bias + 16 * j) : _mm512_setzero_ps();
        for (int p = 0; p < bp; p++) acc[p][j] = b;
    }
    for (int kh = 0; kh < g->kH; kh++) {
        int ih = oh * g->sH - g->padTop + kh * g->dH;
        if (ih < 0 || ih >= g->inH) continue;
        for (int kw = 0; kw < g->kW; kw++) {
            const float *xp = xs + ((long)ih * g->inW + ow * g->sW - g->padLeft + kw * g->dW) * C;
            const float *wp = w + (long)(kh * g->kW + kw) * C * F;
            for (int c = 0; c < C; c++) {
                __m512 wv[MAXV];
                for (int j = 0; j < nv; j++) wv[j] = _mm512_loadu_ps(wp + c * F + 16 * j);
                for (int p = 0; p < bp; p++) {
                    __m512 xv = _mm512_set1_ps(xp[p * step + c]);
                    for (int j = 0; j < nv; j++) acc[p][j] = _mm512_fmadd_ps(xv, wv[j], acc[p][j]);
                }
            }
        }
    }
    for (int p = 0; p < bp; p++)
        for (int j = 0; j < nv; j++) _mm512_storeu_ps(out + p * F + 16 * j, activate(acc[p][j], relu));
}

/* Output row oh of one sample: blocks where every tap is inside the input columns, single positions
   at the padded edges. */
INLINE AVX512 void row_body(const float *xs, const SeqNNWindow *g, const float *w, const float *bias, int nv,
                            int relu, int oh, float *row) {
    const int F = nv * 16;
    int lo = 0, hi = g->outW;   /* [lo, hi): output columns whose every tap is inside */
    while (lo < g->outW && lo * g->sW - g->padLeft < 0) lo++;
    while (hi > lo && (hi - 1) * g->sW - g->padLeft + (g->kW - 1) * g->dW >= g->inW) hi--;
    /* 8 positions per block up to 32 filters (16 accumulators), else 4 (up to 16); then 4s, then singles. */
    const int big = nv <= 2 ? MAXBLOCK : BLOCK;
    int ow = 0;
    for (; ow < lo; ow++) forward_one(xs, g, w, bias, nv, relu, oh, ow, row + ow * F);
    for (; ow + big <= hi; ow += big) forward_block(xs, g, w, bias, nv, relu, oh, ow, big, row + ow * F);
    for (; ow + BLOCK <= hi; ow += BLOCK) forward_block(xs, g, w, bias, nv, relu, oh, ow, BLOCK, row + ow * F);
    for (; ow < g->outW; ow++) forward_one(xs, g, w, bias, nv, relu, oh, ow, row + ow * F);
}

AVX512 void SeqNNKernels_conv_row(const float *xs, const SeqNNWindow *g, const float *w, const float *bias, int nv,
                                  int relu, int oh, float *row) {
    /* Constant arguments let the compiler unroll the filter loops and keep the accumulators in registers. */
    switch (nv) {
    case 1: row_body(xs, g, w, bias, 1, relu, oh, row); break;
    case 2: row_body(xs, g, w, bias, 2, relu, oh, row); break;
    case 3: row_body(xs, g, w, bias, 3, relu, oh, row); break;
    default: row_body(xs, g, w, bias, 4, relu, oh, row); break;
    }
}

static AVX512 void conv_direct_forward_avx512(const float *x, int samples, const SeqNNWindow *g, const float *w,
                                              const float *bias, int filters, int relu, float *y) {
    const int F = filters;
    for (int n = 0; n < samples; n++) {
        const float *xs = x + (long)n * g->inH * g->inW * g->channels;
        for (int oh = 0; oh < g->outH; oh++)
            SeqNNKernels_conv_row(xs, g, w, bias, F / 16, relu, oh, y + ((long)n * g->outH + oh) * g->outW * F);
    }
}

/* acc[t][j] += x_t * dz_j and bsum[j] += dz_j over every output position, dz = dy or dy where y > 0. */
INLINE AVX512 void backward_body(const float *x, const float *dy, const float *y, int samples, const SeqNNWindow *g,
                                 int nv, int k, int relu, float *dw, float *db) {
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
        for (int oh = 0; oh < g->outH; oh++) {
            for (int ow = 0; ow < g->outW; ow++) {
                long p = ((long)n * g->outH + oh) * g->outW + ow;
                __m512 dz[MAXV];
                for (int j = 0; j < nv; j++) {
                    __m512 d = _mm512_loadu_ps(dy + p * F + 16 * j);
                    dz[j] = relu ? _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_loadu_ps(y + p * F + 16 * j), zero, _CMP_GT_OQ), d) : d;
                    bsum[j] = _mm512_add_ps(bsum[j], dz[j]);
                }
                accumulate_taps(xs, g, oh, ow, toff, k, nv, dz, acc);
            }
        }
    }
    store_gradients(k, nv, acc, bsum, dw, db);
}

static AVX512 void conv_direct_backward_avx512(const float *x, const float *dy, const float *y, int samples,
                                               const SeqNNWindow *g, int filters, int relu, float *dw, float *db) {
    int k = g->kH * g->kW * g->channels, nv = filters / 16;
    /* The common shapes with constant sizes, so the accumulators stay in registers (9 taps x 2 = 18 ZMM). */
    if (k == 9 && nv == 2) backward_body(x, dy, y, samples, g, 2, 9, relu, dw, db);
    else if (k == 9 && nv == 1) backward_body(x, dy, y, samples, g, 1, 9, relu, dw, db);
    else if (k == 9 && nv == 4) backward_body(x, dy, y, samples, g, 4, 9, relu, dw, db);
    else backward_body(x, dy, y, samples, g, nv, k, relu, dw, db);
}

#endif

void SeqNNKernels_conv_direct_forward(const float *x, int samples, const SeqNNWindow *g, const float *w,
                                      const float *bias, int filters, int relu, float *y) {
#if defined(__x86_64__)
    if (SeqNNCPU_backend() == SEQNN_BACKEND_AVX512) {
        conv_direct_forward_avx512(x, samples, g, w, bias, filters, relu, y);
        return;
    }
#endif
    SeqNNKernels_conv_direct_forward_portable(x, samples, g, w, bias, filters, relu, y);
}

void SeqNNKernels_conv_direct_backward(const float *x, const float *dy, const float *y, int samples,
                                       const SeqNNWindow *g, int filters, int relu, float *dw, float *db) {
#if defined(__x86_64__)
    if (SeqNNCPU_backend() == SEQNN_BACKEND_AVX512) {
        conv_direct_backward_avx512(x, dy, y, samples, g, filters, relu, dw, db);
        return;
    }
#endif
    SeqNNKernels_conv_direct_backward_portable(x, dy, y, samples, g, filters, relu, dw, db);
}
