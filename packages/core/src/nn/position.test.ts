import * as path from 'path';
import { readSafetensors } from '../io/safetensors';
import { useBackend } from '../testing/backends';
import { maxAbsDiff } from '../testing/gradcheck';
import { sinusoidTable } from './position';
import { fixturePath } from '../testing';

const FIXTURES = fixturePath();

describe('sinusoidTable', () => {
  beforeAll(() => useBackend('cpu'));

  it('has shape [1, n, d] and row 0 (the cls position) = [0, 1, 0, 1, ...]', () => {
    const t = sinusoidTable(5, 6);
    expect(t.shape).toEqual([1, 5, 6]);
    expect(Array.from(t.dataSync().slice(0, 6))).toEqual([0, 1, 0, 1, 0, 1]);
    t.dispose();
  });

  it('follows pos / 10000^(2⌊j/2⌋/d) with sin on even and cos on odd features (hand-computed row 1, d = 4)', () => {
    const t = sinusoidTable(3, 4);
    const row1 = t.dataSync().slice(4, 8);
    // j = 0,1: angle 1; j = 2,3: angle 1/10000^(2/4) = 0.01
    expect(maxAbsDiff(row1, [Math.sin(1), Math.cos(1), Math.sin(0.01), Math.cos(0.01)])).toBeLessThan(1e-7);
    // row 2 via the exp/log form of the frequencies (an independent way to write the same formula)
    const row2 = t.dataSync().slice(8, 12);
    const freq = (j: number) => Math.exp((-Math.log(10000) * 2 * Math.floor(j / 2)) / 4);
    expect(maxAbsDiff(row2, [0, 1, 2, 3].map((j) => (j % 2 ? Math.cos(2 * freq(j)) : Math.sin(2 * freq(j)))))).toBeLessThan(1e-7);
    t.dispose();
  });

  it('equals the frozen pos_embed of the official T2T-ViT fixture (numpy get_sinusoid_encoding) bit for bit or within 1 ulp', async () => {
    const { tensors } = await readSafetensors(path.join(FIXTURES, 't2t_tiny_transformer.safetensors'));
    const ref = tensors.get('pos_embed')!;
    expect(ref.shape).toEqual([1, 17, 64]);
    const t = sinusoidTable(17, 64);
    expect(maxAbsDiff(t.dataSync(), ref.data)).toBeLessThan(1.2e-7);
    t.dispose();
  });
});
