// Elementwise kernels of SeqNN's core that need the CPU's wide vector units: Swift's default x86-64 target
// stops at SSE2 and has no per-function target attribute, so these are C compiled once per instruction set
// (target_clones: AVX-512, AVX2+FMA, baseline) and chosen at load time by the CPU. Each has a plain Swift
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

#endif
