// The geometry every convolution entry point reads (conv.c), shared by its implementations: im2col + OpenBLAS
// (conv.c) and oneDNN (conv-onednn.c).
#ifndef VITKIT_CONV_H
#define VITKIT_CONV_H
#include <stdbool.h>
#include <stdint.h>

typedef struct {
  int64_t batch, h, w, cin, kh, kw, cout, ho, wo, sh, sw, dh, dw, pad_top, pad_left;
} geometry;

typedef enum { FORWARD, BACKPROP_INPUT, BACKPROP_FILTER } conv_pass;

/**
 * One convolution pass through oneDNN on NHWC activations and an HWIO filter: forward (x, w, y), input gradient
 * (dy, w, dx) or filter gradient (x, dy, dw). False when the build has no oneDNN, it is switched off, or oneDNN
 * has no primitive for this geometry: the caller then runs im2col + OpenBLAS. Thread-safe.
 */
bool vk_onednn_conv(conv_pass pass, const geometry *g, const float *p0, const float *p1, float *p2);

/** "oneDNN x.y.z" when convolutions run through oneDNN, else NULL. */
const char *vk_onednn_version(void);

/** Turns the oneDNN path on or off (tests compare both); off when the build has no oneDNN. */
void vk_onednn_enable(bool on);

#endif
