/* Process helpers for the reader process (seqnn_support.h). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "seqnn_support.h"

int SeqNNSupport_image_path(const void *address, char *buf, size_t cap) {
    Dl_info info;
    if (!dladdr(address, &info) || !info.dli_fname) return -1;
    char *real = realpath(info.dli_fname, NULL);
    if (!real) return -1;
    size_t n = strlen(real);
    int ok = n < cap;
    if (ok) memcpy(buf, real, n + 1);
    free(real);
    return ok ? 0 : -1;
}

int SeqNNSupport_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
