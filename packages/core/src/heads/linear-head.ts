import { Identity, Layer } from '../nn/layer';
import { truncNormal, zeros } from '../nn/init';
import { Linear } from '../nn/linear';
import { s } from '../spec/schema';
import type { SchemaType } from '../spec/schema';
import type { ComponentDefinition } from '../registry/types';

const options = s.object({
  inFeatures: s.int({ min: 1 }),
  numClasses: s.int({ min: 0 }),
  /**
   * Weight init: `trunc-normal` (timm ViTs: trunc-normal(initStd) weights, zero biases) or `torch` (PyTorch's
   * `nn.Linear` default U(±1/√in) for both, as torchvision's ResNet `fc`).
   */
  init: s.default(s.enum(['trunc-normal', 'torch'] as const), 'trunc-normal'),
  /** Std of the truncated-normal weight init. */
  initStd: s.default(s.number({ gt: 0 }), 0.02),
});

export type LinearHeadOptions = SchemaType<typeof options>;

/** Classification head: one Linear, or Identity for `numClasses: 0` (features only), as in timm. */
export function createLinearHead(inFeatures: number, numClasses: number, initStd = 0.02, init: LinearHeadOptions['init'] = 'trunc-normal'): Layer {
  if (numClasses === 0) return new Identity();
  return init === 'torch' ? new Linear(inFeatures, numClasses) : new Linear(inFeatures, numClasses, { weightInit: truncNormal(initStd), biasInit: zeros });
}

export const linearHead: ComponentDefinition<LinearHeadOptions, Layer> = {
  kind: 'head',
  name: 'linear',
  owner: '@vitkit/core',
  description: 'Linear classification head (Identity when numClasses is 0)',
  options,
  example: { inFeatures: 8, numClasses: 3 },
  create: (o) => createLinearHead(o.inFeatures, o.numClasses, o.initStd, o.init),
};
