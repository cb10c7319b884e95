/* kernel_test.c - the C kernels of Sources/CSeqNNKernels against plain reference loops written here, on
 * whichever backend SEQNN_BACKEND selects (run.sh runs it on each, and for aarch64 under qemu). Also
 * checks the backend decision itself: the backend is the one asked for, or the best the CPU has when it
 * asked for more. Compiled with -ffp-contract=off so the optimizer references round as the kernels do.
 * Exit status 0 when everything matches; prints each failure. */
#include "seqnn_cpu.h"
#include "seqnn_kernels.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

static unsigned long long rng = 88172645463325252ull;
static float uniform(float lo, float hi) {   /* xorshift64: the same numbers on every architecture */
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return lo + (hi - lo) * (float)((rng >> 40) / 16777216.0);
}
static float *randoms(long n, float lo, float hi) {
    float *p = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    for (long i = 0; i < n; i++) p[i] = uniform(lo, hi);
    return p;
}
static float *zeros(long n) { return calloc((size_t)(n > 0 ? n : 1), sizeof(float)); }

/* Largest |a - b| / (1 + |b|). */
static double worst(const float *a, const float *b, long n) {
    double m = 0;
    for (long i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]) / (1 + fabs((double)b[i]));
        if (!(d <= m)) m = d;   /* NaN counts as worst */
    }
    return m;
}

static void test_backend(void) {
    const int backend = SeqNNCPU_backend(), best = SeqNNCPU_best();
    const char *want = getenv("SEQNN_BACKEND");
    int asked = -1;
    for (int b = 0; b <= SEQNN_BACKEND_AVX512; b++)
        if (want && strcmp(want, SeqNNCPU_name(b)) == 0) asked = b;
    const int expected = asked < 0 ? best : (asked > best ? best : asked);
    printf("backend %s (best on this CPU: %s; SEQNN_BACKEND=%s)\n", SeqNNCPU_name(backend), SeqNNCPU_name(best),
           want ? want : "(unset)");
    CHECK(backend == expected, "backend %s, expected %s", SeqNNCPU_name(backend), SeqNNCPU_name(expected));
    CHECK(SeqNNCPU_fell_back() == (asked > best), "fell_back %d", SeqNNCPU_fell_back());
    CHECK(SeqNNKernels_has_avx512() == (backend == SEQNN_BACKEND_AVX512), "has_avx512 disagrees with the backend");
#if !defined(__x86_64__)
    CHECK(best == SEQNN_BACKEND_PORTABLE, "only the portable backend exists off x86-64");
#endif
}

static void test_optimizers(void) {
    const long n = 1037;   /* not a multiple of any vector width */
    float *w = randoms(n, -1, 1), *g = randoms(n, -1, 1), *m = randoms(n, -0.1f, 0.1f), *v = randoms(n, 0, 0.01f);
    float *w2 = malloc(sizeof(float) * n), *m2 = malloc(sizeof(float) * n), *v2 = malloc(sizeof(float) * n);
    memcpy(w2, w, sizeof(float) * n); memcpy(m2, m, sizeof(float) * n); memcpy(v2, v, sizeof(float) * n);
    SeqNNKernels_adam(w, g, m, v, n, 1e-3f, 0.1f, 0.001f, 1e-7f);
    for (long j = 0; j < n; j++) {
        const float mj = m2[j] + (g[j] - m2[j]) * 0.1f, vj = v2[j] + (g[j] * g[j] - v2[j]) * 0.001f;
        m2[j] = mj; v2[j] = vj;
        w2[j] -= 1e-3f * mj / (sqrtf(vj) + 1e-7f);
    }
    CHECK(memcmp(w, w2, sizeof(float) * n) == 0 && memcmp(m, m2, sizeof(float) * n) == 0 &&
          memcmp(v, v2, sizeof(float) * n) == 0, "adam differs from the plain loop (bit for bit)");
    SeqNNKernels_rmsprop(w, g, v, n, 0.9f, 1e-3f, 1e-7f);
    for (long j = 0; j < n; j++) {
        const float vj = 0.9f * v2[j] + (1 - 0.9f) * g[j] * g[j];
        v2[j] = vj;
        w2[j] -= 1e-3f * g[j] / sqrtf(vj + 1e-7f);
    }
    CHECK(memcmp(w, w2, sizeof(float) * n) == 0 && memcmp(v, v2, sizeof(float) * n) == 0,
          "rmsprop differs from the plain loop (bit for bit)");
    free(w); free(g); free(m); free(v); free(w2); free(m2); free(v2);
}

static void test_finite(void) {
    const long n = 10000;
    float *x = randoms(n, -1, 1);
    CHECK(SeqNNKernels_first_nonfinite(x, n) == -1, "clean data reported bad");
    x[9000] = INFINITY;
    CHECK(SeqNNKernels_first_nonfinite(x, n) == 9000, "infinity at 9000 not found");
    x[5000] = NAN;
    CHECK(SeqNNKernels_first_nonfinite(x, n) == 5000, "NaN at 5000 not found first");
    CHECK(SeqNNKernels_first_nonfinite(x, 0) == -1, "empty input");
    free(x);
}

static float sig(float x) { return 1.0f / (1.0f + expf(-x)); }

static void test_lstm(void) {
    const long rows = 3, u = 19;
    float *zx = randoms(rows * 4 * u, -3, 3), *zh = randoms(rows * 4 * u, -3, 3), *c = randoms(rows * u, -1, 1);
    float *gates = zeros(rows * 4 * u), *cn = zeros(rows * u), *ac = zeros(rows * u), *h = zeros(rows * u);
    float *rg = zeros(rows * 4 * u), *rcn = zeros(rows * u), *rac = zeros(rows * u), *rh = zeros(rows * u);
    SeqNNKernels_lstm_forward_step(zx, zh, gates, c, cn, ac, h, rows, u);
    for (long b = 0; b < rows; b++)
        for (long j = 0; j < u; j++) {
            const float *x = zx + b * 4 * u, *r = zh + b * 4 * u;
            float i = sig(x[j] + r[j]), f = sig(x[u + j] + r[u + j]), gg = tanhf(x[2 * u + j] + r[2 * u + j]);
            float o = sig(x[3 * u + j] + r[3 * u + j]), cv = f * c[b * u + j] + i * gg;
            float *gr = rg + b * 4 * u;
            gr[j] = i; gr[u + j] = f; gr[2 * u + j] = gg; gr[3 * u + j] = o;
            rcn[b * u + j] = cv; rac[b * u + j] = tanhf(cv); rh[b * u + j] = o * tanhf(cv);
        }
    CHECK(worst(gates, rg, rows * 4 * u) < 1e-5 && worst(cn, rcn, rows * u) < 1e-5 && worst(h, rh, rows * u) < 1e-5,
          "lstm forward: gates %.2g, c %.2g, h %.2g", worst(gates, rg, rows * 4 * u), worst(cn, rcn, rows * u),
          worst(h, rh, rows * u));
    float *dh = randoms(rows * u, -1, 1), *dc = randoms(rows * u, -1, 1), *dz = zeros(rows * 4 * u);
    float *rdc = malloc(sizeof(float) * rows * u), *rdz = zeros(rows * 4 * u);
    memcpy(rdc, dc, sizeof(float) * rows * u);
    SeqNNKernels_lstm_backward_step(gates, c, ac, dh, dc, dz, rows, u);
    for (long b = 0; b < rows; b++)
        for (long j = 0; j < u; j++) {
            const float *g = gates + b * 4 * u;
            float i = g[j], f = g[u + j], gg = g[2 * u + j], o = g[3 * u + j], a = ac[b * u + j], d = dh[b * u + j];
            float dct = rdc[b * u + j] + d * o * (1 - a * a);
            float *z = rdz + b * 4 * u;
            z[j] = dct * gg * i * (1 - i); z[u + j] = dct * c[b * u + j] * f * (1 - f);
            z[2 * u + j] = dct * i * (1 - gg * gg); z[3 * u + j] = d * a * o * (1 - o);
            rdc[b * u + j] = dct * f;
        }
    CHECK(worst(dz, rdz, rows * 4 * u) < 1e-5 && worst(dc, rdc, rows * u) < 1e-5, "lstm backward: dz %.2g, dc %.2g",
          worst(dz, rdz, rows * 4 * u), worst(dc, rdc, rows * u));
    free(zx); free(zh); free(c); free(gates); free(cn); free(ac); free(h); free(rg); free(rcn); free(rac); free(rh);
    free(dh); free(dc); free(dz); free(rdc); free(rdz);
}

/* ---- convolution and pooling: references straight from the definitions ---- */

static SeqNNWindow window(int inH, int inW, int C, int k, int s, int pad, int dil) {
    SeqNNWindow g = {inH, inW, C, k, k, s, s, dil, dil, pad, pad, 0, 0};
    g.outH = (inH + 2 * pad - dil * (k - 1) - 1) / s + 1;
    g.outW = (inW + 2 * pad - dil * (k - 1) - 1) / s + 1;
    return g;
}

static float x_at(const float *x, const SeqNNWindow *g, int n, int h, int w, int c) {
    if (h < 0 || h >= g->inH || w < 0 || w >= g->inW) return 0;
    return x[(((long)n * g->inH + h) * g->inW + w) * g->channels + c];
}

static void conv_reference(const float *x, int N, const SeqNNWindow *g, const float *w, const float *bias, int F,
                           int relu, float *y) {
    for (int n = 0; n < N; n++)
        for (int oh = 0; oh < g->outH; oh++)
            for (int ow = 0; ow < g->outW; ow++)
                for (int f = 0; f < F; f++) {
                    double s = bias ? bias[f] : 0;
                    for (int kh = 0; kh < g->kH; kh++)
                        for (int kw = 0; kw < g->kW; kw++)
                            for (int c = 0; c < g->channels; c++)
                                s += (double)x_at(x, g, n, oh * g->sH - g->padTop + kh * g->dH,
                                                  ow * g->sW - g->padLeft + kw * g->dW, c) *
                                     w[((kh * g->kW + kw) * g->channels + c) * F + f];
                    y[(((long)n * g->outH + oh) * g->outW + ow) * F + f] = relu && !(s > 0) ? 0 : (float)s;
                }
}

/* dz at each conv output from dy (and y for ReLU) -> dw, db. */
static void conv_grad_reference(const float *x, int N, const SeqNNWindow *g, const float *dz, int F, float *dw,
                                float *db) {
    for (int n = 0; n < N; n++)
        for (int oh = 0; oh < g->outH; oh++)
            for (int ow = 0; ow < g->outW; ow++)
                for (int f = 0; f < F; f++) {
                    const float d = dz[(((long)n * g->outH + oh) * g->outW + ow) * F + f];
                    db[f] += d;
                    for (int kh = 0; kh < g->kH; kh++)
                        for (int kw = 0; kw < g->kW; kw++)
                            for (int c = 0; c < g->channels; c++)
                                dw[((kh * g->kW + kw) * g->channels + c) * F + f] +=
                                    x_at(x, g, n, oh * g->sH - g->padTop + kh * g->dH, ow * g->sW - g->padLeft + kw * g->dW, c) * d;
                }
}

static void pool_reference(const float *x, int N, const SeqNNWindow *p, float *y, unsigned char *arg) {
    for (int n = 0; n < N; n++)
        for (int oh = 0; oh < p->outH; oh++)
            for (int ow = 0; ow < p->outW; ow++)
                for (int c = 0; c < p->channels; c++) {
                    float m = -INFINITY;
                    int at = -1;
                    for (int kh = 0; kh < p->kH; kh++)
                        for (int kw = 0; kw < p->kW; kw++) {
                            int h = oh * p->sH - p->padTop + kh, w = ow * p->sW - p->padLeft + kw;
                            if (h < 0 || h >= p->inH || w < 0 || w >= p->inW) continue;
                            float v = x[(((long)n * p->inH + h) * p->inW + w) * p->channels + c];
                            if (at < 0 || v > m) { m = v; at = kh * p->kW + kw; }
                        }
                    long o = (((long)n * p->outH + oh) * p->outW + ow) * p->channels + c;
                    y[o] = m;
                    arg[o] = (unsigned char)at;
                }
}

static void test_conv(int C, int F, int k, int s, int pad, int dil, int relu) {
    const int N = 3;
    SeqNNWindow g = window(9, 10, C, k, s, pad, dil);
    const long nx = (long)N * g.inH * g.inW * C, ny = (long)N * g.outH * g.outW * F, nw = (long)k * k * C * F;
    float *x = randoms(nx, 0, 1), *w = randoms(nw, -0.5f, 0.5f), *bias = randoms(F, -0.2f, 0.2f);
    float *y = zeros(ny), *ry = zeros(ny);
    SeqNNKernels_conv_direct_forward(x, N, &g, w, bias, F, relu, y);
    conv_reference(x, N, &g, w, bias, F, relu, ry);
    CHECK(worst(y, ry, ny) < 1e-5, "conv forward C=%d F=%d k=%d s=%d pad=%d dil=%d relu=%d: %.2g", C, F, k, s, pad, dil,
          relu, worst(y, ry, ny));
    float *dy = randoms(ny, -1, 1), *dz = zeros(ny), *dw = zeros(nw), *db = zeros(F), *rdw = zeros(nw), *rdb = zeros(F);
    for (long i = 0; i < ny; i++) dz[i] = relu && !(ry[i] > 0) ? 0 : dy[i];
    SeqNNKernels_conv_direct_backward(x, dy, y, N, &g, F, relu, dw, db);
    conv_grad_reference(x, N, &g, dz, F, rdw, rdb);
    CHECK(worst(dw, rdw, nw) < 1e-4 && worst(db, rdb, F) < 1e-4, "conv backward C=%d F=%d k=%d: dw %.2g db %.2g", C, F,
          k, worst(dw, rdw, nw), worst(db, rdb, F));

    /* Max pooling 2x2 over the convolution's output, alone and fused with the convolution. */
    SeqNNWindow p = window(g.outH, g.outW, F, 2, 2, 0, 1);
    const long np = (long)N * p.outH * p.outW * F;
    float *py = zeros(np), *rpy = zeros(np), *fy = zeros(np), *buf = zeros((long)p.kH * g.outW * F);
    unsigned char *arg = calloc((size_t)np, 1), *rarg = calloc((size_t)np, 1), *farg = calloc((size_t)np, 1);
    SeqNNKernels_maxpool_forward(ry, N, &p, py, arg);
    pool_reference(ry, N, &p, rpy, rarg);
    CHECK(memcmp(py, rpy, sizeof(float) * np) == 0 && memcmp(arg, rarg, (size_t)np) == 0, "maxpool forward F=%d", F);
    float *pdy = randoms(np, -1, 1), *dx = zeros(ny), *rdx = zeros(ny);
    SeqNNKernels_maxpool_backward(pdy, arg, N, &p, dx);
    for (long o = 0; o < np; o++) {   /* scatter: the recorded maximum of each window gets dy */
        long c = o % F, pos = o / F, pw = pos % p.outW, ph = (pos / p.outW) % p.outH, n = pos / ((long)p.outW * p.outH);
        long h = ph * 2 + rarg[o] / 2, w = pw * 2 + rarg[o] % 2;
        rdx[((n * g.outH + h) * g.outW + w) * F + c] = pdy[o];
    }
    CHECK(memcmp(dx, rdx, sizeof(float) * ny) == 0, "maxpool backward F=%d", F);
    SeqNNKernels_conv_pool_forward(x, N, &g, w, bias, F, relu, &p, buf, fy, farg);
    CHECK(worst(fy, rpy, np) < 1e-5 && memcmp(farg, rarg, (size_t)np) == 0, "conv+pool forward F=%d: %.2g", F,
          worst(fy, rpy, np));
    /* Its gradients: the convolution's dz is the pooled gradient at each window's maximum (and ReLU-gated). */
    float *cdz = zeros(ny), *fdw = zeros(nw), *fdb = zeros(F);
    memset(rdw, 0, sizeof(float) * nw); memset(rdb, 0, sizeof(float) * F);
    for (long i = 0; i < ny; i++) cdz[i] = relu && !(ry[i] > 0) ? 0 : rdx[i];
    SeqNNKernels_conv_pool_backward(x, pdy, rpy, rarg, N, &g, &p, F, relu, fdw, fdb);
    conv_grad_reference(x, N, &g, cdz, F, rdw, rdb);
    CHECK(worst(fdw, rdw, nw) < 1e-4 && worst(fdb, rdb, F) < 1e-4, "conv+pool backward F=%d: dw %.2g db %.2g", F,
          worst(fdw, rdw, nw), worst(fdb, rdb, F));
    free(x); free(w); free(bias); free(y); free(ry); free(dy); free(dz); free(dw); free(db); free(rdw); free(rdb);
    free(py); free(rpy); free(fy); free(buf); free(arg); free(rarg); free(farg); free(pdy); free(dx); free(rdx);
    free(cdz); free(fdw); free(fdb);
}

int main(void) {
    test_backend();
    test_optimizers();
    test_finite();
    test_lstm();
    /* The AVX-512 kernels' conditions: F % 16 == 0, F <= 64, k*k*C <= 32 (the direct path's shapes). */
    test_conv(1, 32, 3, 1, 1, 1, 1);   /* W4's first layer, 'same' padding */
    test_conv(1, 16, 3, 1, 0, 1, 0);   /* 'valid', linear */
    test_conv(3, 64, 3, 1, 1, 1, 1);   /* 27 taps, 4 filter vectors */
    test_conv(2, 16, 2, 2, 0, 1, 1);   /* strided */
    test_conv(1, 32, 3, 1, 2, 2, 1);   /* dilated */
    if (failures) { printf("kernel_test: %d failure(s)\n", failures); return 1; }
    printf("kernel_test: OK\n");
    return 0;
}
