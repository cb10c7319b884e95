#ifndef SEQNN_KERNELS_H
#define SEQNN_KERNELS_H
/* Vector kernels the Swift core cannot write itself: Swift compiles for baseline x86-64 (SSE2, no FMA)
   and has no per-function target attribute, so these are C with AVX-512 intrinsics, chosen at run time.
   Not public API. Every kernel has a plain reference in Swift that the tests compare it with. */

/* 1 when the CPU and the OS support AVX-512F (ZMM state enabled); the kernels below need it. */
int SeqNNKernels_has_avx512(void);

/* One channels_last window geometry (Swift's WindowGeometry; a 1-D layer is height 1). */
typedef struct {
    int inH, inW, channels, kH, kW, sH, sW, dH, dW, padTop, padLeft, outH, outW;
} SeqNNWindow;

/* x: [samples, inH, inW, C], w: [kH, kW, C, F], bias: [F] or NULL -> y: [samples, outH, outW, F],
   y = z or relu(z) (relu != 0; NaN -> 0), z = bias + the cross-correlation (padding reads zeros).
   F % 16 == 0 and F <= 64. */
void SeqNNKernels_conv_direct_forward(const float *x, int samples, const SeqNNWindow *g, const float *w,
                                      const float *bias, int filters, int relu, float *y);

/* The kernel and bias gradients of that convolution: dz = dy (relu == 0) or dy where y > 0;
   dw[kH, kW, C, F] += sum over positions of patch x dz (if dw), db[F] += sum of dz (if db).
   kH * kW * C <= 32, F % 16 == 0 and F <= 64. */
void SeqNNKernels_conv_direct_backward(const float *x, const float *dy, const float *y, int samples,
                                       const SeqNNWindow *g, int filters, int relu, float *dw, float *db);

/* Max pooling over non-overlapping windows (sH >= kH, sW >= kW, kH * kW <= 256), C % 16 == 0:
   y: [samples, outH, outW, C] = the window maxima (padding ignored), arg: one byte per output element,
   the offset kh * kW + kw in its window of the first maximum (strict >, row-major). */
void SeqNNKernels_maxpool_forward(const float *x, int samples, const SeqNNWindow *g, float *y, unsigned char *arg);

/* Its gradient: every window element gets dy where it is the recorded maximum, else 0. Writes only
   window elements: the caller zeroes dx first unless the windows cover the input exactly. */
void SeqNNKernels_maxpool_backward(const float *dy, const unsigned char *arg, int samples, const SeqNNWindow *g, float *dx);
/* The convolution above (direct forward's conditions) followed by that max pooling `p` (p->inH/inW =
   the convolution's outH/outW, p->channels = F), in one pass: y, arg as SeqNNKernels_maxpool_forward
   would write them from the convolution's output, which is never stored. buf: p->kH * g->outW * F floats. */
void SeqNNKernels_conv_pool_forward(const float *x, int samples, const SeqNNWindow *g, const float *w,
                                    const float *bias, int filters, int relu, const SeqNNWindow *p,
                                    float *buf, float *y, unsigned char *arg);

/* Its kernel and bias gradients (no input gradient) from the pooled output's gradient dy, the pooled
   output y and arg: the convolution's dz is dy at each window's recorded maximum (if y > 0 with ReLU). */
void SeqNNKernels_conv_pool_backward(const float *x, const float *dy, const float *y, const unsigned char *arg,
                                     int samples, const SeqNNWindow *g, const SeqNNWindow *p, int filters,
                                     int relu, float *dw, float *db);
#endif
