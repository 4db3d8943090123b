import { canUnfold, tf, unfold } from '@vitkit/core';

/** Output length of one spatial axis of a soft split / convolution: `⌊(n + 2p − k)/s⌋ + 1` (PyTorch `nn.Unfold`). */
export function splitOutputSize(n: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((n + 2 * padding - kernel) / stride) + 1;
}

/** How the soft split is computed; `auto` picks `kernel` where the engine has one, else `dense`/`slice` on wasm and `conv` elsewhere. */
export type SoftSplitImpl = 'auto' | 'kernel' | 'slice' | 'conv' | 'dense';

/**
 * Soft split (PyTorch `nn.Unfold(k, s, p)` followed by `.transpose(1, 2)`) on an NHWC image.
 *
 * Returns `[B, L, C·k²]` with tokens row-major over the `Ho × Wo` output grid and the feature index inside a
 * token channel-major, `c·k² + ki·k + kj`, exactly like PyTorch. Zero padding.
 *
 * `kernel` (default where the engine registers core's UNFOLD_KERNEL, as the native engine does): core's `unfold`, one
 * copy each way. Elsewhere tfjs has no unfold op, and the gather / stridedSlice gradients are missing (wasm) or absent,
 * so exact formulations whose input gradients exist are used:
 * - `slice` (default on wasm, which lacks DepthwiseConv2dNativeBackpropInput): one `pad`, then for every kernel
 *   offset `(ki, kj)` a `slice` of the `s·Ho × s·Wo` window at `(ki, kj)` whose stride-`s` sub-grid is picked by a
 *   rank-4 reshape `[B·Ho, s, Wo, s·C]` and a second `slice`; the `k²` pieces are stacked on a last axis.
 * - `conv` (default elsewhere: the cpu backend's generic slice is ~50× slower): a depthwise convolution with a
 *   constant one-hot filter `[k, k, C, k²]` (channel multiplier k²), whose output channel `c·k² + (ki·k + kj)` is
 *   exactly the unfold order; each output is `1·x + 0·…`, so the result is bit-identical. No filter gradient is
 *   ever requested (the filter is a constant), only DepthwiseConv2dNativeBackpropInput.
 * - `dense` (default on wasm while `C·k² ≤ 512`): the same one-hot unfold as a regular convolution with a constant
 *   `[k, k, C, C·k²]` filter. It costs `C·k²` MACs per output value, but runs on XNNPACK and its input gradient is the
 *   kernel pack's fast Conv2DBackpropInput: measured 763 → 31 ms (1 channel, k 7, s 4) and 89 → 30 ms (32 channels,
 *   k 3, s 2) forward + backward at batch 64 against `slice`. Bit-identical (each output is `1·x + 0·…`).
 */
export function softSplit(x: tf.Tensor4D, kernel: number, stride: number, padding: number, impl: SoftSplitImpl = 'auto'): tf.Tensor3D {
  const [, h, w] = x.shape;
  const ho = splitOutputSize(h, kernel, stride, padding);
  const wo = splitOutputSize(w, kernel, stride, padding);
  if (ho < 1 || wo < 1) {
    throw new Error(`softSplit: a ${h}×${w} image is too small for kernel ${kernel}, stride ${stride}, padding ${padding}`);
  }
  const c = x.shape[3];
  const method = impl === 'auto' ? (canUnfold() ? 'kernel' : tf.getBackend() === 'wasm' ? (c * kernel * kernel <= 512 ? 'dense' : 'slice') : 'conv') : impl;
  if (method === 'kernel') return unfold(x, kernel, stride, padding);
  return tf.tidy(() => {
    if (method === 'slice') return sliceUnfold(x, kernel, stride, padding, ho, wo);
    if (method === 'dense') return denseConvUnfold(x, kernel, stride, padding, ho, wo);
    return convUnfold(x, kernel, stride, padding, ho, wo);
  });
}

function padSymmetric(x: tf.Tensor4D, padding: number): tf.Tensor4D {
  return padding > 0
    ? tf.pad(x, [
        [0, 0],
        [padding, padding],
        [padding, padding],
        [0, 0],
      ])
    : x;
}

function denseConvUnfold(x: tf.Tensor4D, kernel: number, stride: number, padding: number, ho: number, wo: number): tf.Tensor3D {
  const [b, , , c] = x.shape;
  const k2 = kernel * kernel;
  const out = c * k2;
  // HWIO one-hot: input (ki, kj, ci) feeds output channel ci·k² + (ki·k + kj).
  const filter = new Float32Array(k2 * c * out);
  for (let m = 0; m < k2; m++) for (let ci = 0; ci < c; ci++) filter[(m * c + ci) * out + ci * k2 + m] = 1;
  const y = tf.conv2d(padSymmetric(x, padding), tf.tensor4d(filter, [kernel, kernel, c, out]), stride, 'valid');
  return tf.reshape(y, [b, ho * wo, out]);
}

function sliceUnfold(x: tf.Tensor4D, kernel: number, stride: number, padding: number, ho: number, wo: number): tf.Tensor3D {
  const [b, h, w, c] = x.shape;
  // Every window [ki, ki + s·Ho) must lie inside the padded image; extra zero rows/cols at the bottom/right
  // are never read by a real patch element (they only fill the unused phases of the stride reshape).
  const padBottom = Math.max(padding, kernel - 1 + stride * ho - h - padding);
  const padRight = Math.max(padding, kernel - 1 + stride * wo - w - padding);
  const xp =
    padding > 0 || padBottom > 0 || padRight > 0
      ? tf.pad(x, [
          [0, 0],
          [padding, padBottom],
          [padding, padRight],
          [0, 0],
        ])
      : x;
  const pieces: tf.Tensor3D[] = [];
  for (let ki = 0; ki < kernel; ki++) {
    for (let kj = 0; kj < kernel; kj++) {
      let win: tf.Tensor = tf.slice(xp, [0, ki, kj, 0], [b, stride * ho, stride * wo, c]);
      if (stride > 1) {
        win = tf.reshape(win, [b * ho, stride, wo, stride * c]);
        win = tf.slice(win, [0, 0, 0, 0], [b * ho, 1, wo, c]);
      }
      pieces.push(tf.reshape(win, [b, ho * wo, c]));
    }
  }
  // [B, L, C, k²] → [B, L, C·k²]: index c·k² + (ki·k + kj).
  return tf.reshape(tf.stack(pieces, 3), [b, ho * wo, c * kernel * kernel]);
}

function convUnfold(x: tf.Tensor4D, kernel: number, stride: number, padding: number, ho: number, wo: number): tf.Tensor3D {
  const [b, , , c] = x.shape;
  const k2 = kernel * kernel;
  const filter = new Float32Array(k2 * c * k2);
  for (let m = 0; m < k2; m++) for (let ci = 0; ci < c; ci++) filter[(m * c + ci) * k2 + m] = 1;
  const y = tf.depthwiseConv2d(padSymmetric(x, padding), tf.tensor4d(filter, [kernel, kernel, c, k2]), stride, 'valid');
  return tf.reshape(y, [b, ho * wo, c * k2]);
}

/**
 * Re-structurization: tokens `[B, L, C]` (row-major over an `h × w` grid) back to an NHWC image `[B, h, w, C]`.
 * PyTorch does `x.transpose(1, 2).reshape(B, C, h, w)` (NCHW); in NHWC this is a plain reshape.
 */
export function restructurize(tokens: tf.Tensor, h: number, w: number): tf.Tensor4D {
  const [b, l, c] = tokens.shape;
  if (l !== h * w) throw new Error(`restructurize: ${l} tokens do not form a ${h}×${w} grid`);
  return tf.reshape(tokens, [b, h, w, c]);
}
