// tfjs keeps, until the whole backward pass has run, every tensor a gradient saved (the tape's saved tensors are
// disposed when `gradients` ends) and every gradient it computed on the way (the map of accumulated gradients goes
// with the same tidy). So a training step's peak holds every activation and every intermediate gradient at once.
// PyTorch frees a node's saved tensors, and the gradient of its output, as soon as the node's backward has run.
//
// vitkit's own differentiable ops call releaseSaved at the end of their gradient to do the same:
// - the saved tensors are clones made for that node alone (tfjs clones and keeps them in `save`), so disposing them is
//   safe, and tfjs's own disposal at the end is then a no-op;
// - the gradient of the op's output (dy) is read by no one else once the op has used it, unless it was handed in from
//   outside: a caller's own dy for `tf.grad(f)(x, dy)` is older than the op's output, one computed by the backward
//   pass is newer (tfjs numbers tensors in creation order), and only a newer one is disposed.
// An activation's memory goes when its last holder has run its backward (BENCHMARKS.md, "Peak memory").
import { tf } from '../tf';

/**
 * Disposes a gradient's saved tensors and, when the backward pass made it (`dy.id > outputId`, the id of the
 * op's forward value), the output gradient it consumed; returns `grads`.
 */
export function releaseSaved<T extends tf.Tensor | tf.Tensor[]>(saved: tf.Tensor[], grads: T, dy?: tf.Tensor | tf.Tensor[], outputId?: number): T {
  tf.dispose(saved);
  if (dy !== undefined && outputId !== undefined) {
    for (const d of Array.isArray(dy) ? dy : [dy]) {
      const returned = Array.isArray(grads) ? grads.includes(d) : grads === d;
      if (d.id > outputId && !returned) d.dispose();
    }
  }
  return grads;
}
