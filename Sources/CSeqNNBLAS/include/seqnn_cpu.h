#ifndef SEQNN_CPU_H
#define SEQNN_CPU_H
/* The one backend every kernel family runs (GEMM, convolution, pooling, optimizer, recurrent, finite check),
 * decided once per process at first use (cpu.c) from the CPU and one environment override:
 *
 *   SEQNN_BACKEND=avx512    SeqNN's AVX-512 kernels (own GEMM, direct convolution, pooling, clones below)
 *   SEQNN_BACKEND=avx2      the AVX2+FMA clones; products on OpenBLAS (Haswell kernels), conv/pool in Swift
 *   SEQNN_BACKEND=portable  baseline x86-64 (or any other architecture): plain C loops; products on OpenBLAS
 *                           (its SSE3 "Prescott" kernels when forced on a larger CPU, else its own choice),
 *                           or the plain reference loop without OpenBLAS
 *   unset, "auto" or unrecognised: the best the CPU supports.
 *
 * A request above what the CPU (and OS) support falls back to the best supported backend: never SIGILL.
 * SEQNN_GEMM=openblas stays a separate, narrower switch: products on OpenBLAS whatever the backend (its
 * kernel family then follows the backend), everything else unchanged. Not public API; seqnn_backend()
 * in Include/seqnn.h reports the name. */
enum { SEQNN_BACKEND_PORTABLE = 0, SEQNN_BACKEND_AVX2 = 1, SEQNN_BACKEND_AVX512 = 2 };

/* The backend in use (SEQNN_BACKEND_*), decided on the first call of any thread (pthread_once); cheap after. */
int SeqNNCPU_backend(void);
/* The best backend this CPU and OS support, ignoring SEQNN_BACKEND. */
int SeqNNCPU_best(void);
/* "avx512", "avx2" or "portable" for a SEQNN_BACKEND_* value (static strings). */
const char *SeqNNCPU_name(int backend);
/* Whether SEQNN_BACKEND asked for more than the CPU supports (the backend fell back to SeqNNCPU_best()). */
int SeqNNCPU_fell_back(void);
/* Whether SEQNN_GEMM=openblas was set (read at the same time as SEQNN_BACKEND). */
int SeqNNCPU_gemm_openblas(void);

/* The instruction sets each backend's code is compiled for. cpu.c tests the CPU for exactly these lists
 * (it parses the same strings), so a function compiled with SEQNN_TARGET_AVX512 / SEQNN_TARGET_AVX2 runs
 * only where every feature its attribute enables is present and enabled by the OS. LLVM's avx512f implies
 * avx2, fma and f16c, so they are listed (and tested) explicitly. */
#define SEQNN_AVX512_FEATURES "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,f16c"
#define SEQNN_AVX2_FEATURES "avx2,fma"
#if defined(__x86_64__)
#define SEQNN_TARGET_AVX512 __attribute__((target(SEQNN_AVX512_FEATURES)))
#define SEQNN_TARGET_AVX2 __attribute__((target(SEQNN_AVX2_FEATURES)))
#else
#define SEQNN_TARGET_AVX512
#define SEQNN_TARGET_AVX2
#endif
#endif
