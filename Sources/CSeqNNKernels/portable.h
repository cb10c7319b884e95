/* The plain C versions of the convolution and pooling kernels (conv_portable.c): what the exported
 * SeqNNKernels_conv_* / SeqNNKernels_maxpool_* run on any backend other than AVX-512 and on other
 * architectures, and the reference the C kernel test (Tests/kernels) compares the AVX-512 code with.
 * Same contracts as seqnn_kernels.h, without the F % 16 / size limits. Not a module header. */
#ifndef SEQNN_KERNELS_PORTABLE_H
#define SEQNN_KERNELS_PORTABLE_H
#include "include/seqnn_kernels.h"

/* The real (unpadded) rows [*h0, *h1) and columns [*w0, *w1) of window (oh, ow); *top, *left its origin. */
static inline void window_of(const SeqNNWindow *g, int oh, int ow, int *top, int *left, int *h0, int *h1, int *w0, int *w1) {
    *top = oh * g->sH - g->padTop;
    *left = ow * g->sW - g->padLeft;
    *h0 = *top < 0 ? 0 : *top;
    *h1 = *top + g->kH < g->inH ? *top + g->kH : g->inH;
    *w0 = *left < 0 ? 0 : *left;
    *w1 = *left + g->kW < g->inW ? *left + g->kW : g->inW;
}

void SeqNNKernels_conv_direct_forward_portable(const float *x, int samples, const SeqNNWindow *g, const float *w,
                                               const float *bias, int filters, int relu, float *y);
void SeqNNKernels_conv_direct_backward_portable(const float *x, const float *dy, const float *y, int samples,
                                                const SeqNNWindow *g, int filters, int relu, float *dw, float *db);
void SeqNNKernels_maxpool_forward_portable(const float *x, int samples, const SeqNNWindow *g, float *y, unsigned char *arg);
void SeqNNKernels_maxpool_backward_portable(const float *dy, const unsigned char *arg, int samples, const SeqNNWindow *g,
                                            float *dx);
void SeqNNKernels_conv_pool_forward_portable(const float *x, int samples, const SeqNNWindow *g, const float *w,
                                             const float *bias, int filters, int relu, const SeqNNWindow *p,
                                             float *buf, float *y, unsigned char *arg);
void SeqNNKernels_conv_pool_backward_portable(const float *x, const float *dy, const float *y, const unsigned char *arg,
                                              int samples, const SeqNNWindow *g, const SeqNNWindow *p, int filters,
                                              int relu, float *dw, float *db);
#endif
