import { tf } from '../tf';

/** True when the active backend has a kernel `name` (the fused kernels are registered for wasm only). */
export function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) != null;
}
