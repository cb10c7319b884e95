#ifndef SEQNN_SUPPORT_H
#define SEQNN_SUPPORT_H
/* Small C helpers the Swift code cannot express itself. Not public API. */
#include <stddef.h>

/* Per-thread last-error text for failures that have no handle yet (create, load).
   The string is owned by the slot; it stays valid until this thread sets it again. */
void seqnn_support_set_thread_error(const char *message);
const char *seqnn_support_thread_error(void);

#endif
