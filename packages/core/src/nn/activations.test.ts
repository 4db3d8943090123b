import { tf } from '../tf';
import { useBackend, TEST_BACKENDS } from '../testing/backends';
import { erf64, expectGradientsMatch, gelu64, seededValues } from '../testing/gradcheck';
import { GELU, gelu, ReLU } from './activations';

const geluTanh64 = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

describe('erf64 reference (sanity)', () => {
  it('reproduces tabulated erf values and is continuous at the series/fraction switch', () => {
    // Abramowitz & Stegun Table 7.1 / standard values
    expect(erf64(0)).toBe(0);
    expect(Math.abs(erf64(0.5) - 0.5204998778130465)).toBeLessThan(1e-15);
    expect(Math.abs(erf64(1) - 0.8427007929497149)).toBeLessThan(1e-15);
    expect(Math.abs(erf64(2) - 0.9953222650189527)).toBeLessThan(1e-15);
    expect(Math.abs(erf64(3) - 0.9999779095030014)).toBeLessThan(1e-15);
    expect(Math.abs(erf64(-1.5) + 0.9661051464753108)).toBeLessThan(1e-15);
    expect(Math.abs(erf64(2.4999999) - erf64(2.5000001))).toBeLessThan(1e-8);
  });
});

describe.each(TEST_BACKENDS)('GELU on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('uses an erf accurate to 2e-7 on [-8, 8] (vs a float64 erf)', () => {
    const xs: number[] = [];
    for (let x = -8; x <= 8; x += 1 / 128) xs.push(x);
    const y = tf.erf(tf.tensor1d(xs));
    const out = y.dataSync();
    let worst = 0;
    xs.forEach((x, i) => (worst = Math.max(worst, Math.abs(out[i] - erf64(x)))));
    // tfjs-cpu uses Abramowitz–Stegun 7.1.26 (≤ 1.5e-7 + float32 rounding), wasm std::erf (≈ 4e-8).
    expect(worst).toBeLessThan(2e-7);
    y.dispose();
  });

  it('is the exact erf form: |gelu − ref| ≤ 2e-7·(1 + |x|) on [-8, 8] (erf error + float32 evaluation)', () => {
    const xs: number[] = [];
    for (let x = -8; x <= 8; x += 1 / 64) xs.push(x);
    xs.push(...seededValues(512, 17, 6));
    const y = gelu(tf.tensor1d(xs));
    const out = y.dataSync();
    let worst = 0;
    let worstAbs = 0;
    for (let i = 0; i < xs.length; i++) {
      const x = Math.fround(xs[i]);
      const err = Math.abs(out[i] - gelu64(x));
      worstAbs = Math.max(worstAbs, err);
      worst = Math.max(worst, err / (2e-7 * (1 + Math.abs(x))));
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(worstAbs).toBeLessThan(6e-7);
    y.dispose();
  });

  it('is not the tanh approximation (which is off by up to ~5e-4)', () => {
    const xs = [-3, -2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2, 2.5, 3];
    const gap = Math.max(...xs.map((x) => Math.abs(gelu64(x) - geluTanh64(x))));
    expect(gap).toBeGreaterThan(1e-4);
    const layer = new GELU();
    const y = layer.forward(tf.tensor1d(xs));
    const out = y.dataSync();
    xs.forEach((x, i) => expect(Math.abs(out[i] - gelu64(x))).toBeLessThan(1e-6));
    expect(layer.namedParameters()).toEqual([]);
    y.dispose();
  });

  it('gradient matches central differences (and Φ(x) + x·φ(x) in float64)', () => {
    const x = tf.variable(tf.tensor1d(seededValues(20, 3, 4)));
    expectGradientsMatch(() => gelu(x), { x });
    const g = tf.grad((t: tf.Tensor) => tf.sum(gelu(t)))(x);
    const xv = x.dataSync();
    const gv = g.dataSync();
    for (let i = 0; i < xv.length; i++) {
      const phi = Math.exp(-(xv[i] ** 2) / 2) / Math.sqrt(2 * Math.PI);
      const expected = 0.5 * (1 + erf64(xv[i] / Math.SQRT2)) + xv[i] * phi;
      expect(Math.abs(gv[i] - expected)).toBeLessThan(2e-6);
    }
    tf.dispose([x, g]);
  });

  it('ReLU clamps negatives to zero', () => {
    const y = new ReLU().forward(tf.tensor1d([-2, -0, 0.5, 3]));
    expect(Array.from(y.dataSync())).toEqual([0, 0, 0.5, 3]);
    y.dispose();
  });
});
