#ifndef SEQNN_SUPPORT_H
#define SEQNN_SUPPORT_H
/* Small C helpers the Swift code cannot express itself. Not public API.
   The public header is included so the Swift exports see the exact C types (seqnn_fit_options, status
   codes) they implement. */
#include <stddef.h>
#include "../../../Include/seqnn.h"

/* Per-thread last-error text for seqnn_last_error(). The string is copied; the copy stays valid until
   this thread sets it again, and is freed when the thread exits. */
void SeqNNSupport_set_thread_error(const char *message);
const char *SeqNNSupport_thread_error(void);

/* For the reader process (ReaderProcess.swift), which Swift's Glibc module cannot reach (_GNU_SOURCE):
   the path of the loaded image (library or executable) holding `address` into buf (NUL-terminated,
   resolved with realpath); 0 on success, -1 if unknown or longer than cap. */
int SeqNNSupport_image_path(const void *address, char *buf, size_t cap);
/* pipe2(fds, O_CLOEXEC): atomic, so a process another thread spawns meanwhile never inherits the pipe. */
int SeqNNSupport_pipe_cloexec(int fds[2]);

#endif
