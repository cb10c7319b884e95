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

#endif
