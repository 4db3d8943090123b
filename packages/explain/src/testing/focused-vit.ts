import { tf } from '@vitkit/core';
import type { Module } from '@vitkit/core';

/** A tiny ViT spec: 16×16 RGB in 4×4 patches (a 4×4 grid), width 6, one head, two blocks. */
export const TINY_VIT_SPEC = {
  type: 'vit',
  imgSize: 16,
  inChans: 3,
  numClasses: 3,
  embedDim: 6,
  depth: 2,
  numHeads: 1,
  mlpRatio: 1,
  tokenizer: { type: 'patch', patchSize: 4 },
} as const;

export const TINY_VIT_GRID: [number, number] = [4, 4];

// Zero-mean token directions (LayerNorm keeps them): the class token, the focused patch, every other patch.
const CLS = [1, -1, 0, 0, 0, 0];
const FOCUS = [0, 0, 1, -1, 0, 0];
const OTHER = [0, 0, 0, 0, 1, -1];
// q of the class token = SHARPNESS · FOCUS direction, so its logit on the focused patch dwarfs the others' (0).
const SHARPNESS = 20;

/**
 * Sets a ViT of width 6 (timm names, one head) so that, whatever the image, its class token attends only to patch
 * `patch` (row-major in the grid): the patch embedding is zeroed so tokens are their position embeddings; q·k is
 * large for (class token, focused patch) and 0 elsewhere; attention and MLP outputs are zeroed so every block sees
 * the same tokens.
 */
export function focusClassToken(model: Module, patch: number): void {
  const params = new Map(model.namedParameters());
  const posEmbed = params.get('pos_embed');
  if (!posEmbed || posEmbed.variable.shape[2] !== 6) throw new Error('focusClassToken: expects a ViT of width 6 (pos_embed [1, N, 6])');
  const n = posEmbed.variable.shape[1] as number;
  if (!Number.isInteger(patch) || patch < 0 || patch >= n - 1) throw new Error(`focusClassToken: patch ${patch} is not one of the ${n - 1} patches`);
  const rows: number[][] = Array.from({ length: n }, (_, t) => (t === 0 ? CLS : t === patch + 1 ? FOCUS : OTHER));
  for (const [name, p] of params) {
    const shape = p.variable.shape;
    let value: tf.Tensor;
    if (name === 'pos_embed') value = tf.tensor3d([rows]);
    else if (/^blocks\.\d+\.attn\.qkv\.weight$/.test(name)) {
      // stored [in, out] with out = [q | k | v]: q₂ = S·x₀, q₃ = S·x₁ (CLS → FOCUS); k = x
      const w = new Float32Array(6 * 18);
      w[0 * 18 + 2] = SHARPNESS;
      w[1 * 18 + 3] = SHARPNESS;
      for (let i = 0; i < 6; i++) w[i * 18 + 6 + i] = 1;
      value = tf.tensor2d(w, [6, 18]);
    } else if (/norm\d?\.weight$/.test(name)) value = tf.ones(shape);
    else value = tf.zeros(shape);
    p.variable.assign(value);
    value.dispose();
  }
}
