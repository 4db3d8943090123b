import { Identity, Layer } from '../nn/layer';
import { truncNormal, zeros } from '../nn/init';
import { Linear } from '../nn/linear';
import { s } from '../spec/schema';
import type { ComponentDefinition } from '../registry/types';

const options = s.object({
  inFeatures: s.int({ min: 1 }),
  numClasses: s.int({ min: 0 }),
  /** Std of the truncated-normal weight init (timm ViTs: 0.02); biases start at zero. */
  initStd: s.default(s.number({ gt: 0 }), 0.02),
});

/** Classification head: one Linear, or Identity for `numClasses: 0` (features only), as in timm. */
export function createLinearHead(inFeatures: number, numClasses: number, initStd = 0.02): Layer {
  return numClasses > 0 ? new Linear(inFeatures, numClasses, { weightInit: truncNormal(initStd), biasInit: zeros }) : new Identity();
}

export const linearHead: ComponentDefinition<{ inFeatures: number; numClasses: number; initStd: number }, Layer> = {
  kind: 'head',
  name: 'linear',
  owner: '@vitkit/core',
  description: 'Linear classification head (Identity when numClasses is 0)',
  options,
  create: (o) => createLinearHead(o.inFeatures, o.numClasses, o.initStd),
};
