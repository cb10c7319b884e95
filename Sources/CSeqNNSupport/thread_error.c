#include "seqnn_support.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A pthread key (not _Thread_local) so the string is freed when its thread exits. */
static pthread_key_t error_key;
static pthread_once_t error_once = PTHREAD_ONCE_INIT;

static void make_key(void) { pthread_key_create(&error_key, free); }

void SeqNNSupport_set_thread_error(const char *message) {
    pthread_once(&error_once, make_key);
    char *old = pthread_getspecific(error_key);
    char *copy = message ? strdup(message) : NULL;
    pthread_setspecific(error_key, copy);
    free(old);
}

const char *SeqNNSupport_thread_error(void) {
    pthread_once(&error_once, make_key);
    const char *s = pthread_getspecific(error_key);
    return s ? s : "";
}
