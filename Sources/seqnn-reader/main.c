/* seqnn-reader: the process in which SeqNN lets libhdf5 read an untrusted model file (ReaderProcess.swift).
 *
 *   seqnn-reader LIBSEQNN FILE BUDGET ADDRESS_SPACE CPU_SECONDS
 *
 * Before anything reads the file it limits itself: address space, CPU time (SIGXCPU, then SIGKILL), no file
 * writes, no core dumps, no new processes; it dies with the process that started it and closes every
 * descriptor it may have inherited beyond stdin/stdout/stderr. Then it loads libseqnn.so (the one that
 * started it, by absolute path, so the wheel's vendored libhdf5 comes with it) and runs seqnn_reader_main,
 * which writes the file's description to stdout and its progress to stderr. Plain C with no dependency, so
 * it ships unchanged in the install tree, the tarball and the wheel. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

static void limit(int resource, rlim_t value) {
    struct rlimit r = {value, value};
    setrlimit(resource, &r);
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "seqnn-reader: usage: seqnn-reader LIBSEQNN FILE BUDGET ADDRESS_SPACE CPU_SECONDS "
                        "(started by libseqnn, not by hand)\n");
        return 2;
    }
    pid_t parent = getppid();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) return 2;   /* the parent died before the line above */
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (close_range(3, ~0U, 0) != 0)
        for (int fd = 3; fd < 4096; fd++) close(fd);
    limit(RLIMIT_AS, (rlim_t)strtoull(argv[4], NULL, 10));
    limit(RLIMIT_CPU, (rlim_t)strtoull(argv[5], NULL, 10));
    limit(RLIMIT_FSIZE, 0);
    limit(RLIMIT_CORE, 0);
    limit(RLIMIT_NPROC, 0);
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "cannot load %s: %s\n", argv[1], dlerror());
        return 2;
    }
    int (*reader_main)(const char *, uint64_t) = (int (*)(const char *, uint64_t))dlsym(lib, "seqnn_reader_main");
    if (!reader_main) {
        fprintf(stderr, "%s has no seqnn_reader_main (a library from another SeqNN version?)\n", argv[1]);
        return 2;
    }
    /* _exit: nothing of the library's (libhdf5's exit handlers included) runs after the result is out. */
    _exit(reader_main(argv[2], (uint64_t)strtoull(argv[3], NULL, 10)));
}
