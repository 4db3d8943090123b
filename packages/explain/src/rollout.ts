import { tf } from '@vitkit/core';

/** The attention maps of consecutive layers, first layer first, each `[B, heads, N, N]`. */
export type LayerAttention = readonly tf.Tensor4D[];

function checkMaps(maps: LayerAttention, where: string): [number, number] {
  if (maps.length === 0) throw new Error(`${where}: no attention maps (record a forward pass with AttentionRecorder first)`);
  const [b, , n, nk] = maps[0].shape;
  maps.forEach((m, i) => {
    if (m.rank !== 4) throw new Error(`${where}: map ${i} has shape [${m.shape}], expected [B, heads, N, N]`);
    const [bi, , ni, nki] = m.shape;
    if (bi !== b || ni !== n || nki !== nk || ni !== nki) {
      throw new Error(`${where}: map ${i} has shape [${m.shape}]; every layer must be [${b}, heads, ${n}, ${n}] (self-attention over the same tokens)`);
    }
  });
  return [b, n];
}

/**
 * Attention rollout (Abnar & Zuidema 2020, "Quantifying Attention Flow in Transformers"): per layer the heads are
 * averaged, the identity is added for the residual connection and the rows renormalised, Ã = norm(mean_h(A) + I);
 * the layers are then multiplied through, R = Ã_L ··· Ã_1. Returns R `[B, N, N]`: row i is how much each input token
 * flows into output token i.
 */
export function rolloutMatrix(maps: LayerAttention): tf.Tensor3D {
  const [b, n] = checkMaps(maps, 'attentionRollout');
  return tf.tidy(() => {
    const eye = tf.eye(n).expandDims(0);
    let joint: tf.Tensor3D = tf.tile(eye, [b, 1, 1]) as tf.Tensor3D;
    for (const a of maps) {
      const withResidual = tf.add(tf.mean(a, 1), eye);
      const normalised = tf.div(withResidual, tf.sum(withResidual, -1, true)) as tf.Tensor3D;
      joint = tf.matMul(normalised, joint);
    }
    return joint;
  });
}

/**
 * The class token's rollout row over the patch tokens, reshaped to the patch grid: `[B, gridH, gridW]`.
 * The class token is token 0 and the patches are the last `gridH·gridW` tokens (any tokens between, such as a
 * distillation token, are left out).
 */
export function attentionRollout(maps: LayerAttention, grid: readonly [number, number]): tf.Tensor3D {
  const [b, n] = checkMaps(maps, 'attentionRollout');
  const [gh, gw] = grid;
  const patches = gh * gw;
  if (!Number.isInteger(gh) || !Number.isInteger(gw) || gh < 1 || gw < 1 || patches > n - 1) {
    throw new Error(`attentionRollout: a ${gh}×${gw} patch grid does not fit ${n} tokens (class token + patches)`);
  }
  return tf.tidy(() => {
    const joint = rolloutMatrix(maps);
    const clsRow = tf.slice(joint, [0, 0, n - patches], [b, 1, patches]);
    return tf.reshape(clsRow, [b, gh, gw]) as tf.Tensor3D;
  });
}
