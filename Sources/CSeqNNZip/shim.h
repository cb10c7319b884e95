/* libzip (Debian's libzip-dev) for Swift: the zip container of Keras 3's `.keras` files. Its flag and
 * error macros are given static inline accessors, as the HDF5 shim does (ARCHITECTURE §8). */
#include <zip.h>

static inline int seqnn_zip_RDONLY(void) { return ZIP_RDONLY; }
static inline int seqnn_zip_CHECKCONS(void) { return ZIP_CHECKCONS; }
static inline int seqnn_zip_CREATE_EXCL(void) { return ZIP_CREATE | ZIP_EXCL; }
static inline int seqnn_zip_TRUNCATE(void) { return ZIP_TRUNCATE; }
static inline zip_flags_t seqnn_zip_FL_ENC_UTF_8(void) { return ZIP_FL_ENC_UTF_8; }
static inline zip_flags_t seqnn_zip_FL_ENC_RAW(void) { return ZIP_FL_ENC_RAW; }
static inline zip_int32_t seqnn_zip_CM_STORE(void) { return ZIP_CM_STORE; }
static inline zip_uint64_t seqnn_zip_STAT_NAME_SIZE_COMP(void) {
    return ZIP_STAT_NAME | ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD;
}
