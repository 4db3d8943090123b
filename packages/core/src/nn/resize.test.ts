import * as path from 'path';
import { tf } from '../tf';
import { readSafetensors } from '../io/safetensors';
import { useBackend, TEST_BACKENDS } from '../testing/backends';
import { expectGradientsMatch, maxAbsDiff, seededValues } from '../testing/gradcheck';
import { bicubicMatrix, resizeBicubic } from './resize';
import { fixturePath } from '../testing';

const FIXTURES = fixturePath();

/**
 * PyTorch `upsample_bicubic2d` (align_corners=False, no antialias) written directly from its definition:
 * Keys cubic convolution with A = −0.75, `scale = f32(in)/f32(out)` (float32 division), source coordinate
 * `scale·(dst + 0.5) − 0.5` in double (unclamped), taps floor(src) − 1 … floor(src) + 2 with indices clamped to the
 * border, applied as a 4×4 stencil per output pixel. NCHW in, NCHW out, float64 arithmetic.
 */
function keys(d: number): number {
  const A = -0.75;
  const a = Math.abs(d);
  if (a <= 1) return (A + 2) * a ** 3 - (A + 3) * a ** 2 + 1;
  if (a < 2) return A * a ** 3 - 5 * A * a ** 2 + 8 * A * a - 4 * A;
  return 0;
}

/** One output pixel (oy, ox) of plane `n` of an NCHW array. */
function torchBicubicAt(x: ArrayLike<number>, n: number, h: number, w: number, oh: number, ow: number, oy: number, ox: number): number {
  const sh = Math.fround(Math.fround(h) / Math.fround(oh));
  const sw = Math.fround(Math.fround(w) / Math.fround(ow));
  const clamp = (v: number, size: number) => Math.min(Math.max(v, 0), size - 1);
  const sy = sh * (oy + 0.5) - 0.5;
  const iy = Math.floor(sy);
  const sx = sw * (ox + 0.5) - 0.5;
  const ix = Math.floor(sx);
  let s = 0;
  for (let ky = -1; ky <= 2; ky++)
    for (let kx = -1; kx <= 2; kx++) {
      s += keys(sy - (iy + ky)) * keys(sx - (ix + kx)) * x[(n * h + clamp(iy + ky, h)) * w + clamp(ix + kx, w)];
    }
  return s;
}

function torchBicubic(x: ArrayLike<number>, [b, c, h, w]: number[], oh: number, ow: number): Float64Array {
  const out = new Float64Array(b * c * oh * ow);
  for (let n = 0; n < b * c; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) out[(n * oh + oy) * ow + ox] = torchBicubicAt(x, n, h, w, oh, ow, oy, ox);
  return out;
}

const nchwToNhwc = (t: tf.Tensor) => tf.transpose(t, [0, 2, 3, 1]) as tf.Tensor4D;
const nhwcToNchw = (t: tf.Tensor) => tf.transpose(t, [0, 3, 1, 2]);

function resizeNCHW(xs: Float32Array, shape: number[], oh: number, ow: number): tf.Tensor {
  return tf.tidy(() => nhwcToNchw(resizeBicubic(nchwToNhwc(tf.tensor(xs, shape)), [oh, ow])));
}

describe('bicubicMatrix', () => {
  it('has rows summing to 1 and reproduces the Keys weights at a hand-computed position', () => {
    const m = bicubicMatrix(4, 8); // upscale ×2: scale 0.5, dst 0 → src −0.25 → taps −2..1 clamped
    for (let o = 0; o < 8; o++) {
      let s = 0;
      for (let i = 0; i < 4; i++) s += m[o * 4 + i];
      expect(Math.abs(s - 1)).toBeLessThan(1e-6);
    }
    // dst 3 → src 1.25: taps 0..3 at distances 1.25, 0.25, 0.75, 1.75
    const expected = [keys(1.25), keys(0.25), keys(0.75), keys(1.75)];
    expect(maxAbsDiff(m.slice(12, 16), expected)).toBeLessThan(1e-7);
    expect(expected[0]).toBeCloseTo(-0.10546875, 12); // A·(1.25³ − 5·1.25² + 8·1.25 − 4) = −0.75 · 0.140625
  });

  it('240→224: every row holds the Keys weights of the PyTorch source coordinate (float32 scale, double src)', () => {
    const m = bicubicMatrix(240, 224);
    // A 1-D impulse response of the direct implementation gives column i of the matrix.
    let worst = 0;
    for (const i of [0, 1, 2, 100, 237, 238, 239]) {
      const e = new Float32Array(240);
      e[i] = 1;
      const col = torchBicubic(e, [1, 1, 1, 240], 1, 224);
      for (let o = 0; o < 224; o++) worst = Math.max(worst, Math.abs(m[o * 240 + i] - col[o]));
    }
    expect(worst).toBeLessThan(1e-7);
  });
});

describe.each(TEST_BACKENDS)('resizeBicubic on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('reproduces PyTorch 48→32 (the CrossViT large-branch resize) from the crossvit_tiny fixture', async () => {
    const input = (await readSafetensors(path.join(FIXTURES, 'crossvit_tiny.safetensors'))).tensors.get('__input__')!;
    const torchOut = (await readSafetensors(path.join(FIXTURES, 'debug/crossvit_tiny.debug.safetensors'))).tensors.get('__dbg__.patch_embed.1.input')!;
    expect(input.shape).toEqual([2, 3, 48, 48]);
    expect(torchOut.shape).toEqual([2, 3, 32, 32]);
    // The independent reference agrees with torch…
    expect(maxAbsDiff(torchBicubic(input.data, input.shape, 32, 32), torchOut.data)).toBeLessThan(1e-5);
    // …and so does the implementation.
    const y = resizeNCHW(input.data, input.shape, 32, 32);
    expect(y.shape).toEqual([2, 3, 32, 32]);
    expect(maxAbsDiff(y.dataSync(), torchOut.data)).toBeLessThan(1e-5);
    y.dispose();
  });

  it.each([
    { h: 48, w: 48, oh: 32, ow: 32 },
    { h: 32, w: 32, oh: 48, ow: 48 },
    { h: 10, w: 7, oh: 5, ow: 13 },
    { h: 3, w: 2, oh: 9, ow: 5 },
  ])('matches a direct implementation of upsample_bicubic2d ($h×$w → $oh×$ow)', ({ h, w, oh, ow }) => {
    const shape = backend === 'cpu' ? [1, 1, h, w] : [2, 2, h, w];
    const xs = seededValues(shape.reduce((a, b) => a * b, 1), h * 100 + w, 2);
    const y = resizeNCHW(xs, shape, oh, ow);
    expect(y.shape).toEqual([shape[0], shape[1], oh, ow]);
    expect(maxAbsDiff(y.dataSync(), torchBicubic(xs, shape, oh, ow))).toBeLessThan(1e-5);
    y.dispose();
  });

  it('240→224 (CrossViT "224" models): output shape, and spot values against the direct implementation', () => {
    // Full-size tensors are slow on the cpu backend (its rank-4 transposes alone take seconds): one channel there.
    const c = backend === 'cpu' ? 1 : 3;
    const xs = seededValues(c * 240 * 240, 240, 1);
    const x = tf.tensor4d(xs, [1, 240, 240, c]); // NHWC
    const y = resizeBicubic(x, [224, 224]);
    expect(y.shape).toEqual([1, 224, 224, c]);
    if (backend === 'wasm') {
      const out = y.dataSync();
      const nchw = new Float32Array(xs.length);
      for (let i = 0; i < 240 * 240; i++) for (let ch = 0; ch < c; ch++) nchw[ch * 240 * 240 + i] = xs[i * c + ch];
      let worst = 0;
      for (let ch = 0; ch < c; ch++)
        for (const oy of [0, 1, 2, 7, 111, 222, 223])
          for (const ox of [0, 3, 100, 223]) {
            const ref = torchBicubicAt(nchw, ch, 240, 240, 224, 224, oy, ox);
            worst = Math.max(worst, Math.abs(out[(oy * 224 + ox) * c + ch] - ref));
          }
      expect(worst).toBeLessThan(1e-5);
    }
    tf.dispose([x, y]);
  });

  it('returns an equal copy when the size does not change', () => {
    const x = tf.tensor4d(seededValues(2 * 4 * 4 * 2, 1), [2, 4, 4, 2]);
    const y = resizeBicubic(x, [4, 4]);
    expect(y).not.toBe(x);
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    tf.dispose([x, y]);
  });

  it('gradient matches central differences (downscale and upscale)', () => {
    for (const [h, w, oh, ow] of [[7, 6, 4, 5], [4, 3, 6, 7]]) {
      const x = tf.variable(tf.tensor4d(seededValues(h * w * 2, h, 1), [1, h, w, 2]));
      expectGradientsMatch(() => resizeBicubic(x, [oh, ow]), { x }, { maxPerTensor: 30 });
      x.dispose();
    }
  });
});
