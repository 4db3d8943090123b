// Registers the `native` backend with tfjs: every kernel of the cpu backend (so every op runs), then the native ones
// over them. Idempotent; never throws for a missing addon (the caller decides whether that is an error).
import * as tf from '@tensorflow/tfjs';
import { loadAddon } from './addon';
import { NATIVE_BACKEND, NativeBackend } from './backend';
import { batchMatMulConfig, fusedMatMulConfig } from './kernels/batch-mat-mul';
import { conv2dConfigs } from './kernels/conv2d';
import { fusedOpConfigs } from './kernels/fused-ops';
import { arithmeticConfigs } from './kernels/arithmetic';
import { layoutConfigs } from './kernels/layout';
import { maxPoolGradConfig } from './kernels/max-pool-grad';
import { adamWConfig } from './kernels/adamw';
import { activationPoolConfigs } from './kernels/activation-pool';
import { depthwiseConv2dConfigs } from './kernels/depthwise-conv2d';
import { batchNormConfigs } from './kernels/batch-norm';
import { multiHeadAttentionConfigs } from './kernels/multi-head-attention';
import { unfoldConfigs } from './kernels/unfold';
import { dropoutConfigs } from './kernels/dropout';

export type NativeRegistration = { ok: true; backend: typeof NATIVE_BACKEND; threads: number; library: string } | { ok: false; reason: string };

export interface NativeOptions {
  /** OpenBLAS threads for this process (default: OpenBLAS's own, i.e. $OPENBLAS_NUM_THREADS or every core). */
  threads?: number;
}

const OWN_KERNELS = [batchMatMulConfig, fusedMatMulConfig, ...conv2dConfigs, maxPoolGradConfig, ...fusedOpConfigs, ...arithmeticConfigs, ...layoutConfigs, adamWConfig, ...activationPoolConfigs, ...depthwiseConv2dConfigs, ...batchNormConfigs, ...multiHeadAttentionConfigs, ...unfoldConfigs, ...dropoutConfigs];

/** The kernels replaced by native code (the rest are the cpu backend's). */
export const NATIVE_KERNELS: readonly string[] = OWN_KERNELS.map((k) => k.kernelName);

let registered = false;

/** A cpu kernel whose outputs never alias this backend's pooled buffers (see NativeBackend). */
export function withoutAliases(kernelFunc: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const out = kernelFunc(args);
    const backend = args.backend as NativeBackend;
    for (const t of Array.isArray(out) ? out : [out]) backend.unalias(t);
    return out;
  };
}

function registerKernels(): void {
  const ownNames = new Set(NATIVE_KERNELS);
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (!ownNames.has(k.kernelName)) tf.registerKernel({ ...k, backendName: NATIVE_BACKEND, kernelFunc: withoutAliases(k.kernelFunc) });
  }
  for (const k of OWN_KERNELS) tf.registerKernel({ ...k, backendName: NATIVE_BACKEND });
}

/**
 * Makes `tf.setBackend('native')` possible. Resolves `{ ok: false, reason }` (one line, with how to get the engine)
 * when the addon is not built or does not load; it does not switch the active backend.
 */
export async function registerNativeBackend(options: NativeOptions = {}): Promise<NativeRegistration> {
  const load = loadAddon();
  if (!load.ok) return { ok: false, reason: load.reason };
  const { addon } = load;
  if (options.threads !== undefined) {
    if (!Number.isInteger(options.threads) || options.threads < 1) return { ok: false, reason: `native engine: threads must be a positive integer, got ${options.threads}` };
    addon.setThreads(options.threads);
  }
  if (!registered) {
    // priority 0: tfjs never picks it by itself; vitkit's selectBackend (or the user) does
    tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(addon), 0);
    registerKernels();
    registered = true;
  }
  const gemms = addon.gemmLibrary();
  const gemmLibrary = gemms.startsWith('oneDNN') ? `${gemms}, the small ones ${addon.blasConfig()}` : gemms;
  return { ok: true, backend: NATIVE_BACKEND, threads: addon.getThreads(), library: `GEMMs: ${gemmLibrary}; convolutions: ${addon.convLibrary()}` };
}
