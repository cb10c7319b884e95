/* What the AVX-512 and the plain C convolution and pooling kernels share (the *_portable functions are
 * declared in seqnn_kernels.h, so tests can compare the two). Not a module header. */
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

#endif
