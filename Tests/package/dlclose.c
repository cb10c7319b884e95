/* libseqnn.so loaded with dlopen, used on two product threads (SeqNN's thread pool starts), closed with
 * dlclose and loaded again, three times. The Swift runtime inside the library keeps threads and
 * thread-local destructors, so the library is linked with -z nodelete: dlclose must leave it mapped
 * instead of pulling code out from under them; RTLD_NOLOAD checks that it did. Usage: dlclose PATH/TO/libseqnn.so. Exits 0 on success. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>

typedef void *(*create_fn)(uint64_t);
typedef int (*add_dense_fn)(void *, int64_t, const char *);
typedef int (*set_input_fn)(void *, const int64_t *, size_t, int64_t);
typedef int (*predict_fn)(void *, const float *, size_t, int64_t, float *, size_t, size_t *);
typedef int (*threads_fn)(int);
typedef void (*free_fn)(void *);

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s LIBRARY\n", argv[0]); return 2; }
    static float x[256 * 512], out[256 * 512];
    for (int i = 0; i < 256 * 512; i++) x[i] = (float)(i % 97) / 97.0f;
    for (int round = 0; round < 3; round++) {
        void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
        if (!h) { fprintf(stderr, "dlclose: dlopen: %s\n", dlerror()); return 1; }
        create_fn create = (create_fn)dlsym(h, "seqnn_model_create");
        set_input_fn set_input = (set_input_fn)dlsym(h, "seqnn_model_set_input");
        add_dense_fn add_dense = (add_dense_fn)dlsym(h, "seqnn_model_add_dense");
        predict_fn predict = (predict_fn)dlsym(h, "seqnn_model_predict");
        threads_fn threads = (threads_fn)dlsym(h, "seqnn_set_num_threads");
        free_fn model_free = (free_fn)dlsym(h, "seqnn_model_free");
        if (!create || !set_input || !add_dense || !predict || !threads || !model_free) {
            fprintf(stderr, "dlclose: a seqnn_* symbol is missing\n");
            return 1;
        }
        int64_t shape[1] = {512};
        void *m = create(1);
        if (!m || threads(2) != 0 || set_input(m, shape, 1, 0) != 0 || add_dense(m, 512, "relu") != 0 ||
            predict(m, x, 256 * 512, 256, out, 256 * 512, NULL) != 0) {
            fprintf(stderr, "dlclose: round %d: a call failed\n", round);
            return 1;
        }
        model_free(m);
        if (dlclose(h) != 0) { fprintf(stderr, "dlclose: dlclose: %s\n", dlerror()); return 1; }
        /* NODELETE: still mapped after its last dlclose (RTLD_NOLOAD finds it without loading it). */
        void *still = dlopen(argv[1], RTLD_NOW | RTLD_NOLOAD);
        if (!still) { fprintf(stderr, "dlclose: round %d: dlclose unmapped the library (not -z nodelete)\n", round); return 1; }
        dlclose(still);
    }
    printf("dlclose: 3 rounds of dlopen, predict on 2 threads, dlclose (library stays mapped): OK\n");
    return 0;
}
