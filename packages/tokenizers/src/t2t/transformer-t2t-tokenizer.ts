import { TokenTransformer } from './layers';
import { SoftSplitT2TTokenizer } from './soft-split-t2t-tokenizer';
import type { T2TOptions } from './t2t-options';

/** T2T-ViT_t's tokenizer (`tokens_type='transformer'`): soft splits with one-head transformer T2T layers. */
export class TransformerT2TTokenizer extends SoftSplitT2TTokenizer {
  constructor(options: T2TOptions, path = 'tokenizer') {
    super(options, path, (dim) => new TokenTransformer(dim, options.tokenDim, { numHeads: 1, mlpRatio: options.mlpRatio }));
  }
}
