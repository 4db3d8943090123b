import { tf } from '../tf';

// The fused kernels core's ops run when the active engine provides them (the wasm kernel pack
// `@vitkit/wasm-kernels` does; other engines may). Core owns the contract, an engine implements it:
// - LAYER_NORM_KERNEL: inputs x [..., D], gamma [D], beta [D]; attr eps; outputs y (x's shape), mean and rstd (one per row).
// - LAYER_NORM_GRAD_KERNEL: inputs dy, x, mean, rstd, gamma; outputs dx, dgamma, dbeta.
// - GELU_KERNEL: input x; output x·Φ(x) (exact GELU). GELU_GRAD_KERNEL: inputs dy, x; output dy·(Φ(x) + x·φ(x)).
// - ADAMW_KERNEL: inputs param, grad, m, v (one shape, float32); attrs lr, beta1, beta2, eps, weightDecay, step (from 1);
//   outputs param', m', v' of torch.optim.AdamW's step (decoupled decay, bias-corrected moments), as new tensors.
//   Run by @vitkit/trainer's AdamW (the native engine registers it).
// - BATCH_NORM_KERNEL: inputs x [..., C], gamma [C], beta [C]; attr eps; outputs y (x's shape), mean [C] and the biased
//   variance [C] over every axis but the last (BatchNorm's training mode). BATCH_NORM_GRAD_KERNEL: inputs dy, x, mean,
//   variance, gamma; attr eps; outputs dx (through the batch statistics), dgamma, dbeta.
// - MHA_KERNEL: input qkv [B, N, 3·H·d] (a fused qkv projection's output, timm's column order q | k | v, head h at
//   columns h·d … h·d + d of each); attrs heads, scale, optional probs (default true); outputs out [B, N, H·d] =
//   softmax(q·kᵀ·scale)·v per head, heads merged back in order, and probs [B, H, N, N] (saved for the gradient); with
//   probs false (no gradient will be taken) an engine may return probs empty and never materialise them. MHA_GRAD_KERNEL: inputs dy (out's shape),
//   qkv, probs; attrs heads, scale; output dqkv (qkv's shape). Run by nn/attention's Attention (the native engine
//   registers them): one kernel each way instead of the split, head transposes and merge copies.
// - DROPOUT_KERNEL: input x (float32); attrs rate (float32 1 − rate below 1), seed; outputs y = tf.dropout(x, rate,
//   undefined, seed) bit for bit (the same seedrandom Alea stream, so every engine drops the same elements) and mask,
//   a tensor of the engine's choosing that DROPOUT_GRAD_KERNEL reads. DROPOUT_GRAD_KERNEL: inputs dy, mask; attr rate;
//   output dy masked and scaled as y was. Run by ops/dropout.
// - UNFOLD_KERNEL: input x [B, H, W, C] (float32); attrs kernel, stride, padding; output [B, Ho·Wo, C·k²], PyTorch's
//   `nn.Unfold(k, s, p)(x).transpose(1, 2)` (feature c·k² + ki·k + kj, zero padding). UNFOLD_GRAD_KERNEL: input dy;
//   attrs kernel, stride, padding, inputShape; output dx. Run by ops/unfold (the T2T soft split).
// - RELU_GRAD_KERNEL: inputs dy and y (ReLU's output, float32, dy's shape); output dy·step(y) (NaN where y is NaN), what
//   ops/relu's gradient computes as tf.mul(dy, tf.step(y)): one pass, no step tensor.
// Without them the ops are composed from stock tfjs ops, so they work on every backend.
export const LAYER_NORM_KERNEL = 'VitkitLayerNorm';
export const LAYER_NORM_GRAD_KERNEL = 'VitkitLayerNormGrad';
export const GELU_KERNEL = 'VitkitGelu';
export const GELU_GRAD_KERNEL = 'VitkitGeluGrad';
export const ADAMW_KERNEL = 'VitkitAdamW';
export const BATCH_NORM_KERNEL = 'VitkitBatchNorm';
export const BATCH_NORM_GRAD_KERNEL = 'VitkitBatchNormGrad';
export const MHA_KERNEL = 'VitkitMultiHeadAttention';
export const MHA_GRAD_KERNEL = 'VitkitMultiHeadAttentionGrad';
export const DROPOUT_KERNEL = 'VitkitDropout';
export const DROPOUT_GRAD_KERNEL = 'VitkitDropoutGrad';
export const UNFOLD_KERNEL = 'VitkitUnfold';
export const UNFOLD_GRAD_KERNEL = 'VitkitUnfoldGrad';
export const RELU_GRAD_KERNEL = 'VitkitReluGrad';

/** True when the active backend has a kernel `name` (the fused kernels are registered for wasm only). */
export function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) != null;
}
