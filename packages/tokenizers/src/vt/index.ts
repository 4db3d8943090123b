import { RegistryLike, s } from '@vitkit/core';
import { ClusteringTokenizer } from './clustering';
import { FilterTokenizer } from './filter';
import { PoolingTokenizer } from './pooling';
import { RecurrentTokenizer } from './recurrent';

export { VtTokenizer, l2normalize, stopGradient, tokenGrid, adaptivePoolMatrix } from './common';
export type { VtTokenizerOptions } from './common';
export { FilterTokenizer } from './filter';
export { RecurrentTokenizer } from './recurrent';
export { ClusteringTokenizer } from './clustering';
export type { ClusteringTokenizerOptions } from './clustering';
export { PoolingTokenizer } from './pooling';

const base = {
  inChannels: s.int({ min: 1 }),
  tokenChannels: s.int({ min: 1 }),
  numTokens: s.default(s.int({ min: 1 }), 16),
  returnAttention: s.default(s.boolean(), false),
};

export const vtTokenizerOptions = s.object(base);
export const clusteringTokenizerOptions = s.object({ ...base, iterations: s.default(s.int({ min: 0 }), 3) });

const owner = '@vitkit/tokenizers';
/** A tiny option set for the registry contract tests (8-channel feature map, 4 tokens). */
const example = { inChannels: 8, tokenChannels: 8, numTokens: 4 };

/** Registers the Visual Transformer tokenizers `filter`, `recurrent`, `clustering` and `pooling` (kind 'tokenizer'). */
export function registerVtTokenizers(registry: RegistryLike): void {
  registry.register({
    kind: 'tokenizer', name: 'filter', owner,
    description: 'VT filter-based tokenizer (Eq. 1): tokens = SOFTMAX_HW(X W_A)ᵀ X on a feature map',
    options: vtTokenizerOptions,
    example,
    create: (o) => new FilterTokenizer(o),
  });
  registry.register({
    kind: 'tokenizer', name: 'recurrent', owner,
    description: 'VT recurrent tokenizer (Eq. 2): W_R = T_in W_T→R from the previous module\'s tokens',
    options: vtTokenizerOptions,
    example,
    create: (o) => new RecurrentTokenizer(o),
  });
  registry.register({
    kind: 'tokenizer', name: 'clustering', owner,
    description: 'VT clustering-based tokenizer (Appendix C, Eq. 6): k-means centroids of the unit-normalised pixels replace W_A',
    options: clusteringTokenizerOptions,
    example: { ...example, iterations: 1 },
    create: (o) => new ClusteringTokenizer(o),
  });
  registry.register({
    kind: 'tokenizer', name: 'pooling', owner,
    description: 'VT pooling-based baseline tokenizer (Table 3): adaptive average pooling of the feature map to L tokens',
    options: vtTokenizerOptions,
    example,
    create: (o) => new PoolingTokenizer(o),
  });
}
