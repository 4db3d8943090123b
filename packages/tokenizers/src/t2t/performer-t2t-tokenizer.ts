import { SpecError } from '@vitkit/core';
import { TokenPerformer } from './layers';
import { SoftSplitT2TTokenizer } from './soft-split-t2t-tokenizer';
import type { T2TOptions } from './t2t-options';

/** The performer's own limits: a fixed MLP width and at least one random feature. */
function checkPerformer(o: T2TOptions, path: string): T2TOptions {
  if (o.mlpRatio !== 1) {
    throw new SpecError([{ path: `${path}.mlpRatio`, message: `the performer T2T layer has a fixed MLP width (ratio 1); got ${o.mlpRatio}` }]);
  }
  if (Math.floor(o.tokenDim * o.kernelRatio) < 1) {
    throw new SpecError([{ path: `${path}.kernelRatio`, message: `int(tokenDim ${o.tokenDim} · kernelRatio ${o.kernelRatio}) gives no performer random feature` }]);
  }
  return o;
}

/** T2T-ViT's tokenizer (`tokens_type='performer'`): soft splits with performer T2T layers (`attention1`, `attention2`). */
export class PerformerT2TTokenizer extends SoftSplitT2TTokenizer {
  constructor(options: T2TOptions, path = 'tokenizer') {
    super(checkPerformer(options, path), path, (dim) => new TokenPerformer(dim, options.tokenDim, { kernelRatio: options.kernelRatio, dropout: options.performerDropout }));
  }
}
