import { buildModel, selectBackend } from '@vitkit/core';
import { firstPartyRegistry } from './testing/fixtures';
import { maxDiffAtBatches } from './testing/ort';

// Branch 1 (24 px) is resized from the 32 px input in the graph (ONNX cubic Resize): the path the fixtures take too.
const base = {
  type: 'dual-branch', imgSize: [32, 24], patchSize: [8, 12], inChans: 3, numClasses: 4, embedDim: [16, 24],
  depth: [[1, 1, 0]], numHeads: [2, 2], mlpRatio: [2, 2],
};

const CASES: Array<[string, Record<string, unknown>]> = [
  ['cross-attention', { ...base, fusion: 'cross-attention' }],
  ['cross-attention, depth 2 (Sequential)', { ...base, depth: [[1, 1, 2]], fusion: 'cross-attention' }],
  ['all-attention', { ...base, fusion: 'all-attention' }],
  ['class-token', { ...base, fusion: 'class-token' }],
  ['pairwise (bicubic grid alignment)', { ...base, imgSize: [32, 16], patchSize: [8, 8], fusion: 'pairwise' }],
  ['none', { ...base, fusion: 'none' }],
  ['conv-stem tokenizer', { ...base, imgSize: [48, 32], patchSize: [12, 16], fusion: 'cross-attention', tokenizer: 'conv-stem' }],
];

describe('ONNX export of CrossViT (every fusion), run in onnxruntime-node', () => {
  beforeAll(async () => {
    await selectBackend('cpu', { quiet: true });
  });

  it.each(CASES)('%s: logits match vitkit to 1e-4 at batch 1 and 2', async (_name, spec) => {
    const model = buildModel(firstPartyRegistry(), spec as never);
    try {
      const diffs = await maxDiffAtBatches(model, [1, 2]);
      for (const d of diffs) expect(d).toBeLessThanOrEqual(1e-4);
    } finally {
      model.dispose();
    }
  });
});
