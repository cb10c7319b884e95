/* OpenBLAS's cblas.h (with the openblas_* thread controls), imported into Swift. */
#include <cblas.h>
