import { Fusion, s, tf } from '@vitkit/core';
import type { ComponentDefinition } from '@vitkit/core';
import { checkBranchArrays, checkBranches, FUSION_EXAMPLE, commonFusionShape } from './common';
import type { CommonFusionOptions } from './common';

/** No fusion (Table 6 row I): the branches stay independent until the averaged heads. */
export class NoFusion extends Fusion {
  constructor(readonly dims: number[]) {
    super();
  }

  forward(branches: tf.Tensor3D[]): tf.Tensor3D[] {
    checkBranches('none', branches, this.dims);
    return branches;
  }
}

export const noFusion: ComponentDefinition<CommonFusionOptions, NoFusion> = {
  kind: 'fusion',
  name: 'none',
  owner: '@vitkit/fusion',
  description: 'No fusion (paper Table 6 baseline): independent branches, logits averaged',
  options: s.object(commonFusionShape),
  example: FUSION_EXAMPLE,
  create: (o, ctx) => {
    checkBranchArrays(o, ctx.path);
    return new NoFusion(o.dims);
  },
};
