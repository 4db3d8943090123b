// Multi-head self-attention as one engine kernel each way (MHA_KERNEL / MHA_GRAD_KERNEL, contract in ./fused), read
// straight from the fused qkv projection. The composed path (split, reshape and transpose per head, attention, transpose
// and reshape back) makes five copies of the activations forward and five back; the kernel reads each head's columns in
// place. It saves qkv and the probabilities, as the composed fusedAttention saves q, k, v and the probabilities; where
// no gradient is recorded it asks the kernel not to keep the probabilities at all.
import { tf } from '../tf';
import { MHA_GRAD_KERNEL, MHA_KERNEL, hasKernel } from './fused';
import { releaseSaved } from './release-saved';

/** True when the active engine runs MHA_KERNEL and `qkv` is a non-empty float32 `[B, N, 3·C]`. */
export function canFuseMultiHeadAttention(qkv: tf.Tensor): boolean {
  return qkv.dtype === 'float32' && qkv.rank === 3 && qkv.size > 0 && hasKernel(MHA_KERNEL);
}

/** `[B, N, 3·heads·d]` → `[B, N, heads·d]` through MHA_KERNEL (check canFuseMultiHeadAttention first). */
export function fusedMultiHeadAttention(qkv: tf.Tensor3D, heads: number, scale: number): tf.Tensor3D {
  if (!tf.engine().isTapeOn()) {
    // nothing records this op for a gradient (inference, or inside another op's forward): the kernel need not keep
    // the [B, H, N, N] probabilities
    const [out, probs] = tf.engine().runKernel(MHA_KERNEL, { qkv }, { heads, scale, probs: false }) as tf.Tensor[];
    probs.dispose();
    return out as tf.Tensor3D;
  }
  const attrs = { heads, scale };
  const run = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor3D;
    const save = args[1] as tf.GradSaveFunc;
    const [out, probs] = tf.engine().runKernel(MHA_KERNEL, { qkv: x }, attrs) as tf.Tensor[];
    save([x, probs]);
    probs.dispose();
    const outputId = out.id;
    return {
      value: out,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        releaseSaved(saved, tf.engine().runKernel(MHA_GRAD_KERNEL, { dy: dy as tf.Tensor, qkv: saved[0], probs: saved[1] }, attrs) as tf.Tensor, dy, outputId),
    };
  });
  return run(qkv) as tf.Tensor3D;
}
