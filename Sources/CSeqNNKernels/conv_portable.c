/* Plain C convolution and max pooling (portable.h): one scalar loop per definition, in the order the
 * AVX-512 kernels sum (bias, then taps kh, kw, c), so results agree up to FMA rounding. Why C and not only
 * the Swift fallbacks: the exported kernels must do the right thing on every backend and architecture
 * (they used to be empty stubs off x86-64), and a C reference lets the kernel test run under qemu. */
#include "portable.h"

/* Output row oh of one sample (outW x F values): bias + the taps inside the input, then ReLU (NaN -> 0). */
static void conv_row(const float *xs, const SeqNNWindow *g, const float *w, const float *bias, int F, int relu,
                     int oh, float *row) {
    const int C = g->channels;
    for (int ow = 0; ow < g->outW; ow++) {
        float *out = row + (long)ow * F;
        for (int f = 0; f < F; f++) {
            float acc = bias ? bias[f] : 0.0f;
            for (int kh = 0; kh < g->kH; kh++) {
                const int ih = oh * g->sH - g->padTop + kh * g->dH;
                if (ih < 0 || ih >= g->inH) continue;
                for (int kw = 0; kw < g->kW; kw++) {
                    const int iw = ow * g->sW - g->padLeft + kw * g->dW;
                    if (iw < 0 || iw >= g->inW) continue;
                    const float *xp = xs + ((long)ih * g->inW + iw) * C, *wp = w + (long)(kh * g->kW + kw) * C * F;
                    for (int c = 0; c < C; c++) acc += xp[c] * wp[(long)c * F + f];
                }
            }
            out[f] = relu ? (acc > 0 ? acc : 0.0f) : acc;
        }
    }
}

void SeqNNKernels_conv_direct_forward_portable(const float *x, int samples, const SeqNNWindow *g, const float *w,
                                               const float *bias, int filters, int relu, float *y) {
    for (int n = 0; n < samples; n++) {
        const float *xs = x + (long)n * g->inH * g->inW * g->channels;
        for (int oh = 0; oh < g->outH; oh++)
            conv_row(xs, g, w, bias, filters, relu, oh, y + ((long)n * g->outH + oh) * g->outW * filters);
    }
}

/* dw[t, f] += x_t * dz[f] over the taps t = (kh, kw, c) of output position (oh, ow) inside the input. */
static void accumulate_taps(const float *xs, const SeqNNWindow *g, int oh, int ow, const float *dz, int F, float *dw) {
    const int C = g->channels;
    for (int kh = 0; kh < g->kH; kh++) {
        const int ih = oh * g->sH - g->padTop + kh * g->dH;
        if (ih < 0 || ih >= g->inH) continue;
        for (int kw = 0; kw < g->kW; kw++) {
            const int iw = ow * g->sW - g->padLeft + kw * g->dW;
            if (iw < 0 || iw >= g->inW) continue;
            const float *xp = xs + ((long)ih * g->inW + iw) * C;
            float *d = dw + (long)(kh * g->kW + kw) * C * F;
            for (int c = 0; c < C; c++)
                for (int f = 0; f < F; f++) d[(long)c * F + f] += xp[c] * dz[f];
        }
    }
}

void SeqNNKernels_conv_direct_backward_portable(const float *x, const float *dy, const float *y, int samples,
                                                const SeqNNWindow *g, int filters, int relu, float *dw, float *db) {
    const int F = filters;
    float dz[256];
    for (int f0 = 0; f0 < F; f0 += 256) {   /* filters in chunks, so dz stays on the stack */
        const int nf = F - f0 < 256 ? F - f0 : 256;
        for (int n = 0; n < samples; n++) {
            const float *xs = x + (long)n * g->inH * g->inW * g->channels;
            for (int oh = 0; oh < g->outH; oh++) {
                for (int ow = 0; ow < g->outW; ow++) {
                    const long p = (((long)n * g->outH + oh) * g->outW + ow) * F + f0;
                    for (int f = 0; f < nf; f++) {
                        dz[f] = relu && !(y[p + f] > 0) ? 0.0f : dy[p + f];
                        if (db) db[f0 + f] += dz[f];
                    }
                    if (!dw) continue;
                    const int C = g->channels;
                    for (int kh = 0; kh < g->kH; kh++) {
                        const int ih = oh * g->sH - g->padTop + kh * g->dH;
                        if (ih < 0 || ih >= g->inH) continue;
                        for (int kw = 0; kw < g->kW; kw++) {
                            const int iw = ow * g->sW - g->padLeft + kw * g->dW;
                            if (iw < 0 || iw >= g->inW) continue;
                            const float *xp = xs + ((long)ih * g->inW + iw) * C;
                            float *d = dw + (long)(kh * g->kW + kw) * C * F + f0;
                            for (int c = 0; c < C; c++)
                                for (int f = 0; f < nf; f++) d[(long)c * F + f] += xp[c] * dz[f];
                        }
                    }
                }
            }
        }
    }
}

/* Window (oh, ow) of an image whose rows from firstRow on are at img: maxima to y[C], the first maximum's
 * offset kh * kW + kw to arg[C] (strict >, so a NaN never replaces a number and the first NaN stays). */
static void pool_window(const float *img, int firstRow, const SeqNNWindow *g, int oh, int ow, float *y,
                        unsigned char *arg) {
    const int C = g->channels;
    int top, left, h0, h1, w0, w1;
    window_of(g, oh, ow, &top, &left, &h0, &h1, &w0, &w1);
    for (int c = 0; c < C; c++) {
        float m = img[((long)(h0 - firstRow) * g->inW + w0) * C + c];
        int at = (h0 - top) * g->kW + (w0 - left);
        for (int h = h0; h < h1; h++)
            for (int w = w0; w < w1; w++) {
                const float v = img[((long)(h - firstRow) * g->inW + w) * C + c];
                if (v > m) { m = v; at = (h - top) * g->kW + (w - left); }
            }
        y[c] = m;
        arg[c] = (unsigned char)at;
    }
}

void SeqNNKernels_maxpool_forward_portable(const float *x, int samples, const SeqNNWindow *g, float *y, unsigned char *arg) {
    const long inSize = (long)g->inH * g->inW * g->channels;
    for (int n = 0; n < samples; n++)
        for (int oh = 0; oh < g->outH; oh++)
            for (int ow = 0; ow < g->outW; ow++) {
                const long o = (((long)n * g->outH + oh) * g->outW + ow) * g->channels;
                pool_window(x + n * inSize, 0, g, oh, ow, y + o, arg + o);
            }
}

void SeqNNKernels_maxpool_backward_portable(const float *dy, const unsigned char *arg, int samples, const SeqNNWindow *g,
                                            float *dx) {
    const int C = g->channels;
    const long inSize = (long)g->inH * g->inW * C;
    for (int n = 0; n < samples; n++)
        for (int oh = 0; oh < g->outH; oh++)
            for (int ow = 0; ow < g->outW; ow++) {
                int top, left, h0, h1, w0, w1;
                window_of(g, oh, ow, &top, &left, &h0, &h1, &w0, &w1);
                const long o = (((long)n * g->outH + oh) * g->outW + ow) * C;
                for (int h = h0; h < h1; h++)
                    for (int w = w0; w < w1; w++) {
                        const int k = (h - top) * g->kW + (w - left);
                        float *p = dx + n * inSize + ((long)h * g->inW + w) * C;
                        for (int c = 0; c < C; c++) p[c] = arg[o + c] == k ? dy[o + c] : 0.0f;
                    }
            }
}

void SeqNNKernels_conv_pool_forward_portable(const float *x, int samples, const SeqNNWindow *g, const float *w,
                                             const float *bias, int filters, int relu, const SeqNNWindow *p,
                                             float *buf, float *y, unsigned char *arg) {
    const int F = filters;
    for (int n = 0; n < samples; n++) {
        const float *xs = x + (long)n * g->inH * g->inW * g->channels;
        for (int ph = 0; ph < p->outH; ph++) {
            const int top = ph * p->sH - p->padTop;
            const int r0 = top < 0 ? 0 : top, r1 = top + p->kH < p->inH ? top + p->kH : p->inH;
            for (int oh = r0; oh < r1; oh++) conv_row(xs, g, w, bias, F, relu, oh, buf + (long)(oh - r0) * g->outW * F);
            for (int pw = 0; pw < p->outW; pw++) {
                const long o = (((long)n * p->outH + ph) * p->outW + pw) * F;
                pool_window(buf, r0, p, ph, pw, y + o, arg + o);
            }
        }
    }
}

void SeqNNKernels_conv_pool_backward_portable(const float *x, const float *dy, const float *y, const unsigned char *arg,
                                              int samples, const SeqNNWindow *g, const SeqNNWindow *p, int filters,
                                              int relu, float *dw, float *db) {
    const int F = filters;
    float d[256], dz[256];
    if (F > 256) return;   /* the fused path's callers keep F <= 64 (seqnn_kernels.h) */
    for (int n = 0; n < samples; n++) {
        const float *xs = x + (long)n * g->inH * g->inW * g->channels;
        for (int ph = 0; ph < p->outH; ph++)
            for (int pw = 0; pw < p->outW; pw++) {
                const long o = (((long)n * p->outH + ph) * p->outW + pw) * F;
                for (int f = 0; f < F; f++) {
                    d[f] = relu && !(y[o + f] > 0) ? 0.0f : dy[o + f];
                    if (db) db[f] += d[f];
                }
                if (!dw) continue;
                int top, left, h0, h1, w0, w1;
                window_of(p, ph, pw, &top, &left, &h0, &h1, &w0, &w1);
                for (int h = h0; h < h1; h++)
                    for (int w = w0; w < w1; w++) {
                        const int k = (h - top) * p->kW + (w - left);
                        for (int f = 0; f < F; f++) dz[f] = arg[o + f] == k ? d[f] : 0.0f;
                        accumulate_taps(xs, g, h, w, dz, F, dw);
                    }
            }
    }
}
