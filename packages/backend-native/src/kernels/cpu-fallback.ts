// The cpu backend's own kernels, called on the native backend (a MathBackendCPU subclass holding the same storage):
// the fall-back for cases a native kernel does not cover (other dtypes, NCHW) and the building blocks of fused ops.
import * as tf from '@tensorflow/tfjs';
import type { NativeBackend } from '../backend';

export type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: NativeBackend; attrs?: tf.NamedAttrMap };

export function runCpuKernel(name: string, args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const kernel = tf.getKernel(name, 'cpu');
  if (!kernel) throw new Error(`native backend: the cpu backend has no kernel ${name} to fall back on`);
  const out = kernel.kernelFunc({ inputs: args.inputs, backend: args.backend, attrs: args.attrs ?? {} });
  for (const t of Array.isArray(out) ? out : [out]) args.backend.unalias(t);
  return out;
}

/** One output of a cpu kernel. */
export function cpuKernel(name: string, inputs: tf.NamedTensorInfoMap, backend: NativeBackend, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
  return runCpuKernel(name, { inputs, backend, attrs }) as tf.TensorInfo;
}

/**
 * Adds a bias (broadcast) and applies a fused activation (tf.fused.matMul / conv2d semantics) to `x`, disposing the
 * intermediates and `x` itself when it is replaced.
 */
export function biasAndActivation(
  backend: NativeBackend,
  x: tf.TensorInfo,
  bias: tf.TensorInfo | undefined,
  activation: string,
  preluWeights: tf.TensorInfo | undefined,
  leakyreluAlpha: number | undefined
): tf.TensorInfo {
  let out = x;
  const replace = (next: tf.TensorInfo) => {
    backend.disposeIntermediateTensorInfo(out);
    out = next;
  };
  if (bias) {
    // the native broadcasting Add (registered for this backend), not the cpu one
    const add = tf.getKernel('Add', 'native') ?? tf.getKernel('Add', 'cpu');
    replace(add!.kernelFunc({ inputs: { a: out, b: bias }, backend, attrs: {} }) as tf.TensorInfo);
  }
  switch (activation) {
    case 'linear':
      break;
    case 'relu':
      replace(cpuKernel('Relu', { x: out }, backend));
      break;
    case 'relu6':
      replace(cpuKernel('Relu6', { x: out }, backend));
      break;
    case 'elu':
      replace(cpuKernel('Elu', { x: out }, backend));
      break;
    case 'sigmoid':
      replace(cpuKernel('Sigmoid', { x: out }, backend));
      break;
    case 'prelu':
      if (!preluWeights) throw new Error('native backend: prelu activation needs preluActivationWeights');
      replace(cpuKernel('Prelu', { x: out, alpha: preluWeights }, backend));
      break;
    case 'leakyrelu':
      replace(cpuKernel('LeakyRelu', { x: out }, backend, { alpha: leakyreluAlpha ?? 0.2 }));
      break;
    default:
      throw new Error(`native backend: activation "${activation}" is not supported by fused ops`);
  }
  return out;
}
