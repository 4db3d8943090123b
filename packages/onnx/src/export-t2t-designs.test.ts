import 'reflect-metadata';
import { createRegistry } from '@vitkit/core';
import { DEEP_NARROW_DESIGNS, plugin as backbones } from '@vitkit/backbones';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { describeExportParity } from './testing/ort';

const registry = () => createRegistry({ plugins: [tokenizers, backbones] });
const tiny = { type: 'deep-narrow', imgSize: 16, inChans: 3, numClasses: 5, embedDim: 16, depth: 2, numHeads: 2, mlpRatio: 2, tokenizer: { type: 't2t', attention: 'performer', tokenDim: 8 } };

/** One case or more per design of the T2T-ViT paper's Table 6 (the test below keeps this list complete). */
const CASES: Array<[string, { type: string } & Record<string, unknown>]> = [
  ['standard design', { ...tiny, design: 'standard' }],
  ['se design (SE layer after the attention projection)', { ...tiny, design: 'se', seReduction: 4 }],
  ['ghost design, mlpRatio 2 (one cheap MLP operation)', { ...tiny, design: 'ghost' }],
  ['ghost design, mlpRatio 3 (two cheap MLP operations, as the official code)', { ...tiny, design: 'ghost', mlpRatio: 3 }],
  ['dense design, two stages joined by a transition', { ...tiny, design: 'dense', blockConfig: [2, 1], growthRate: 4 }],
];

describeExportParity('ONNX export of the T2T-ViT block designs, run in onnxruntime-node', registry, CASES);

describe('T2T-ViT design export cases', () => {
  it('cover every registered deep-narrow design', () => {
    const covered = new Set(CASES.map(([, spec]) => spec.design));
    expect(DEEP_NARROW_DESIGNS.filter((d) => !covered.has(d))).toEqual([]);
  });
});
