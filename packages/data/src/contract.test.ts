import { createRegistry } from '@vitkit/core';
import { describeRegistryContract } from '@vitkit/core/testing';
import { plugin } from './index';

// Datasets other than `synthetic` read files that a fresh clone lacks; their loaders have their own tests.
describeRegistryContract(() => createRegistry({ plugins: [plugin] }), { kinds: ['transform', 'batch-transform'] });

describe('registry contract: dataset', () => {
  it('synthetic (needs no files) builds through the registry and meets the dataset contract', async () => {
    const registry = createRegistry({ plugins: [plugin] });
    const ds = await registry.build('dataset', { type: 'synthetic', numSamples: 4, numClasses: 2, imageSize: 8 }, 'data.train');
    expect([ds.length, ds.numClasses, ds.shape]).toEqual([4, 2, [8, 8, 3]]);
  });
});
