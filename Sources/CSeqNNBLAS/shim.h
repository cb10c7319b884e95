/* OpenBLAS's cblas.h (with the openblas_* thread controls), imported into Swift. */
#include <cblas.h>

/* Denormal floats make every arithmetic op on them ~100x slower on x86; optimizer slots (Adam's, RMSprop's
 * second moments) decay into that range during long training. TensorFlow runs with flush-to-zero and
 * denormals-are-zero set; SeqNN sets them around its own compute calls and restores the caller's MXCSR.
 * Returns the previous control word (0 and no effect on other architectures). */
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
static inline unsigned int seqnn_ftz_begin(void) {
    unsigned int old = _mm_getcsr();
    _mm_setcsr(old | 0x8040u);   /* FTZ (bit 15) | DAZ (bit 6) */
    return old;
}
static inline void seqnn_ftz_end(unsigned int old) { _mm_setcsr(old); }
#else
static inline unsigned int seqnn_ftz_begin(void) { return 0; }
static inline void seqnn_ftz_end(unsigned int old) { (void)old; }
#endif

/* OpenBLAS's kernel family ("Haswell", "SkylakeX", "Prescott", ...), for diagnostics. */
static inline const char *seqnn_blas_core(void) { return openblas_get_corename(); }
