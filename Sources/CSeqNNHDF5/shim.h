/* libhdf5 for Swift. HDF5's type and property constants are macros over globals (H5T_NATIVE_FLOAT,
 * H5P_DEFAULT, H5F_ACC_*), which Swift cannot import or imports with the wrong integer type, so each one
 * gets a static inline accessor here (ARCHITECTURE §8). */
#include <hdf5.h>

static inline hid_t seqnn_h5_P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t seqnn_h5_S_ALL(void) { return H5S_ALL; }
static inline hid_t seqnn_h5_E_DEFAULT(void) { return H5E_DEFAULT; }
static inline hid_t seqnn_h5_T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t seqnn_h5_T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t seqnn_h5_T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t seqnn_h5_T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t seqnn_h5_T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t seqnn_h5_T_STD_I64LE(void) { return H5T_STD_I64LE; }
static inline hid_t seqnn_h5_T_C_S1(void) { return H5T_C_S1; }
static inline size_t seqnn_h5_T_VARIABLE(void) { return H5T_VARIABLE; }
static inline hid_t seqnn_h5_P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t seqnn_h5_P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t seqnn_h5_P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline unsigned seqnn_h5_F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned seqnn_h5_F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline unsigned seqnn_h5_F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline H5F_libver_t seqnn_h5_F_LIBVER_LATEST(void) { return H5F_LIBVER_LATEST; }
static inline H5F_libver_t seqnn_h5_F_LIBVER_EARLIEST(void) { return H5F_LIBVER_EARLIEST; }
/* HDF5 prints its error stack to stderr by default; the library must never print (ARCHITECTURE §3).
 * The setting is per thread in this thread-safe build, so every entry point calls this. */
static inline herr_t seqnn_h5_silence(void) { return H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
