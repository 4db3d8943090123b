// tfjs keeps every tensor a gradient saved until the whole backward pass has run (the tape's saved tensors are
// disposed when `gradients` ends), so a training step's peak holds every activation and every gradient at once.
// PyTorch frees a node's saved tensors as soon as its backward has run. vitkit's own differentiable ops call this at
// the end of their gradient: the saved tensors are clones made for that node alone (tfjs clones and keeps them in
// `save`), so disposing them is safe, and tfjs's own disposal at the end is then a no-op. The activation's memory is
// released when its last saver has run its backward: the peak of a ViT step drops by the activations of the layers
// already back-propagated (BENCHMARKS.md, "Peak memory").
import { tf } from '../tf';

/** Disposes a gradient's saved tensors once it has used them (see above); returns `grads` for chaining. */
export function releaseSaved<T extends tf.Tensor | tf.Tensor[]>(saved: tf.Tensor[], grads: T): T {
  tf.dispose(saved);
  return grads;
}
