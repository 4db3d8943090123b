import * as path from 'path';
import { readWeights } from './checkpoint';
import { fixturePath } from '@vitkit/core/testing';

const PTH = fixturePath('pth');

describe('the trainer reads PyTorch files wherever it takes weights (eval, predict, distillation, --checkpoint)', () => {
  it('an official T2T-ViT .pth.tar: EMA weights by default, live on request', async () => {
    const ema = await readWeights(path.join(PTH, 't2t_tiny_transformer_rand.pth.tar'));
    expect(ema.entry).toBe('state_dict_ema');
    expect(ema.checkpoint).toBeUndefined();
    expect(ema.tensors.get('pos_embed')!.shape).toEqual([1, 17, 64]);
    const live = await readWeights(path.join(PTH, 't2t_tiny_transformer_rand.pth.tar'), { weights: 'live' });
    expect(live.entry).toBe('state_dict');
  });

  it('a torchvision state dict, and a missing file named in the error', async () => {
    expect((await readWeights(path.join(PTH, 'resnet18_narrow.pth'))).tensors.get('fc.weight')!.shape).toEqual([10, 64]);
    await expect(readWeights(path.join(PTH, 'nope.pth'))).rejects.toThrow(/nope\.pth: cannot read \(ENOENT\)/);
  });
});
