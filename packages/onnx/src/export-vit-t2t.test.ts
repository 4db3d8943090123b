import 'reflect-metadata';
import { buildModel, createRegistry, selectBackend } from '@vitkit/core';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { describeExportParity, maxDiffAtBatches } from './testing/ort';

const registry = () => createRegistry({ plugins: [tokenizers, backbones] });
const tiny = { imgSize: 16, inChans: 3, numClasses: 5, embedDim: 16, depth: 2, numHeads: 2, mlpRatio: 2 };

const CASES: Array<[string, { type: string } & Record<string, unknown>]> = [
  ['vit, patch tokenizer, class-token pool', { type: 'vit', ...tiny, tokenizer: { type: 'patch', patchSize: 4 } }],
  ['vit, mean pool', { type: 'vit', ...tiny, globalPool: 'avg', tokenizer: { type: 'patch', patchSize: 8 } }],
  ['t2t performer', { type: 'deep-narrow', ...tiny, tokenizer: { type: 't2t', attention: 'performer', tokenDim: 8 } }],
  ['t2t transformer', { type: 'deep-narrow', ...tiny, tokenizer: { type: 't2t', attention: 'transformer', tokenDim: 8 } }],
  ['t2t convolution', { type: 'deep-narrow', ...tiny, tokenizer: { type: 't2t', attention: 'convolution', tokenDim: 8 } }],
  ['t2t convolution, BatchNorm + GELU', { type: 'deep-narrow', ...tiny, tokenizer: { type: 't2t', attention: 'convolution', tokenDim: 8, convNorm: 'batch', convActivation: 'gelu' } }],
];

describeExportParity('ONNX export of ViT and T2T-ViT, run in onnxruntime-node', registry, CASES);

describe('ONNX export of a features-only model (numClasses 0)', () => {
  it('outputs the pooled features, matching vitkit at batch 2', async () => {
    await selectBackend('cpu', { quiet: true });
    const model = buildModel(registry(), { ...CASES[0][1], numClasses: 0 });
    try {
      for (const d of await maxDiffAtBatches(model, [2])) expect(d).toBeLessThanOrEqual(1e-4);
    } finally {
      model.dispose();
    }
  });
});
