#include "scratch.h"
#include <pthread.h>
#include <stdlib.h>

typedef struct {
  float *data;
  size_t capacity;
} scratch_buffer;

static pthread_key_t key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void release(void *p) {
  scratch_buffer *s = p;
  free(s->data);
  free(s);
}

static void make_key(void) { pthread_key_create(&key, release); }

float *vk_scratch(size_t floats) {
  pthread_once(&key_once, make_key);
  scratch_buffer *s = pthread_getspecific(key);
  if (!s) {
    s = calloc(1, sizeof *s);
    if (!s || pthread_setspecific(key, s) != 0) {
      free(s);
      return NULL;
    }
  }
  if (s->capacity < floats) {
    // no realloc: the old contents are not needed, and copying them would touch every page again
    free(s->data);
    s->data = malloc(sizeof(float) * floats);
    s->capacity = s->data ? floats : 0;
  }
  return s->data;
}
