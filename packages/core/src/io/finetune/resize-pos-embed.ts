import { resizeBicubic } from '../../nn/resize';
import { tf } from '../../tf';
import type { HostTensor } from '../safetensors-format';

function squareSide(n: number): number | undefined {
  const g = Math.round(Math.sqrt(n));
  return g * g === n ? g : undefined;
}

/**
 * Resizes a `[1, prefix + g², C]` position table to `[1, prefix + G², C]`, as the official T2T-ViT/CrossViT code and
 * timm do (`resize_pos_embed`): the prefix (class token) rows are kept, the grid is resized with PyTorch's bicubic
 * (`F.interpolate(mode='bicubic', align_corners=False)`). `name` is for errors.
 */
export function resizePosEmbedTo(pos: HostTensor, target: readonly number[], prefixTokens: number, name = 'pos_embed'): HostTensor {
  const [one, n, c] = pos.shape;
  const [tOne, tn, tc] = target;
  if (pos.shape.length !== 3 || target.length !== 3 || one !== 1 || tOne !== 1 || c !== tc) {
    throw new Error(`${name}: cannot resize [${pos.shape}] to [${target}]; only the token count of a [1, tokens, C] table can change`);
  }
  const g = squareSide(n - prefixTokens);
  const G = squareSide(tn - prefixTokens);
  if (!g || !G) throw new Error(`${name}: [${pos.shape}] → [${target}] is not a square grid after ${prefixTokens} prefix token(s)`);
  const out = tf.tidy(() => {
    const t = tf.tensor3d(pos.data, [1, n, c]);
    const prefix = tf.slice(t, [0, 0, 0], [1, prefixTokens, c]);
    const grid = tf.reshape(tf.slice(t, [0, prefixTokens, 0], [1, g * g, c]), [1, g, g, c]) as tf.Tensor4D;
    const resized = tf.reshape(resizeBicubic(grid, [G, G]), [1, G * G, c]);
    return tf.concat([prefix, resized], 1);
  });
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return { shape: [1, tn, c], data: data.slice(), dtype: 'F32' };
}
