// Elementwise kernels of SeqNN's core that need the CPU's wide vector units: Swift's default x86-64 target
// stops at SSE2 and has no per-function target attribute, so these are C compiled once per instruction set
// (AVX-512, AVX2+FMA, baseline) and chosen by SeqNN's one backend value (CSeqNNBLAS's seqnn_cpu.h, which
// SEQNN_BACKEND=avx512|avx2|portable can lower). Each has a plain Swift
// reference next to its caller that tests compare it with. Shapes in the comments, row-major, no aliasing
// between arguments unless a comment says so.
#ifndef SEQNN_KERNELS_H
#define SEQNN_KERNELS_H

/// One LSTM step for `rows` samples with Keras's default activations (sigmoid gates, tanh):
///   pre-activations zx + zh ([rows, 4u] each: input projection with bias, recurrent product), blocks
///   i, f, g, o -> gates [rows, 4u] activated, c_next = f*c + i*g, act_c = tanh(c_next), h = o*act_c
///   (c, c_next, act_c, h: [rows, u]).
void SeqNNKernels_lstm_forward_step(const float *zx, const float *zh, float *gates, const float *c, float *c_next, float *act_c, float *h,
                             long rows, long units);

/// Its backward: given dh [rows, u] (dLoss/dh of the step) and dc [rows, u] (dLoss/dc from the next step),
/// writes dz [rows, 4u] (dLoss/d pre-activations) and replaces dc with the carry for the previous step.
/// c is the state the step read; gates and act_c what the forward step stored.
void SeqNNKernels_lstm_backward_step(const float *gates, const float *c, const float *act_c, const float *dh, float *dc,
                              float *dz, long rows, long units);

/* Keras 3's default Adam step (no amsgrad) over n weights: m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
 * w -= alpha m / (sqrt(v) + eps). The arrays must not overlap. */
void SeqNNKernels_adam(float *w, const float *g, float *m, float *v, long n, float alpha, float one_minus_b1,
                      float one_minus_b2, float eps);
/* Keras 3's default RMSprop step (no momentum, not centered): v = rho v + (1 - rho) g^2;
 * w -= lr g / sqrt(v + eps). The arrays must not overlap. */
void SeqNNKernels_rmsprop(float *w, const float *g, float *v, long n, float rho, float lr, float eps);

/* The index of the first NaN or infinity among x[0..n), or -1. */
long SeqNNKernels_first_nonfinite(const float *x, long n);

/* ---- Convolution and max pooling (conv_direct.c, maxpool.c, conv_pool.c) ----
   AVX-512 intrinsics on the AVX-512 backend; on any other backend or architecture the same functions run
   plain C loops (conv_portable.c), correct but slow. The Swift callers take them only when
   SeqNNKernels_has_avx512() says so and keep their im2col + GEMM and SIMD loops for everything else. */

/* 1 when the backend is AVX-512 (the CPU and OS support it and SEQNN_BACKEND did not lower it). */
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

/* The plain C versions of the six functions above (conv_portable.c): what they run on any backend other
   than AVX-512 and on other architectures, and the reference tests compare the AVX-512 code with (Swift's
   BackendTests; Tests/kernels, also under qemu for aarch64). Same contracts, without the F % 16 limit. */
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
