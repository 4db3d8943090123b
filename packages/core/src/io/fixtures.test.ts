import * as fs from 'fs';
import * as path from 'path';
import { readSafetensors } from './safetensors';
import { fixturePath } from '../testing';

const FIXTURES = fixturePath();
const list = (d: string) =>
  fs
    .readdirSync(d)
    .filter((f) => f.endsWith('.safetensors'))
    .sort()
    .map((f) => path.join(d, f));
const MAIN = list(FIXTURES);
const DEBUG = list(path.join(FIXTURES, 'debug'));

/** Header read independently of the library reader: 8-byte LE length + JSON. */
function rawHeader(file: string): { header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>; headerLen: number; size: number } {
  const buf = fs.readFileSync(file);
  const headerLen = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8'));
  delete header.__metadata__;
  return { header, headerLen, size: buf.length };
}

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

describe('reading the shared parity fixtures', () => {
  it('finds the fixture files', () => {
    expect(MAIN.length).toBeGreaterThanOrEqual(14);
    expect(DEBUG.length).toBeGreaterThanOrEqual(14);
  });

  it.each([...MAIN, ...DEBUG].map((f) => [path.relative(FIXTURES, f), f]))('%s: every tensor matches its header, offsets are contiguous, no NaN/Inf', async (_name, file) => {
    const { header, headerLen, size } = rawHeader(file);
    const { tensors, metadata } = await readSafetensors(file);
    expect(metadata).toEqual({ format: 'pt' });
    expect((8 + headerLen) % 8).toBe(0);
    expect([...tensors.keys()].sort()).toEqual(Object.keys(header).sort());
    let expectedStart = 0;
    const byOffset = Object.entries(header).sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
    for (const [name, h] of byOffset) {
      const t = tensors.get(name)!;
      expect(h.dtype).toBe('F32');
      expect(t.shape).toEqual(h.shape);
      expect(t.data.length).toBe(numel(h.shape));
      expect(h.data_offsets).toEqual([expectedStart, expectedStart + 4 * numel(h.shape)]);
      expectedStart = h.data_offsets[1];
      let bad = 0;
      for (const v of t.data) if (!Number.isFinite(v)) bad++;
      if (bad) throw new Error(`${name} has ${bad} non-finite values`);
    }
    expect(8 + headerLen + expectedStart).toBe(size);
  });

  it.each(MAIN.map((f) => [path.basename(f), f]))('%s: has __input__ (NCHW) and __logits__ consistent with its JSON sidecar', async (_name, file) => {
    const meta = JSON.parse(fs.readFileSync(file.replace(/\.safetensors$/, '.json'), 'utf8'));
    const { tensors } = await readSafetensors(file);
    const input = tensors.get('__input__');
    const logits = tensors.get('__logits__');
    expect(input).toBeDefined();
    expect(logits).toBeDefined();
    expect(input!.shape).toEqual(meta.input.shape);
    expect(input!.shape[1]).toBe(3);
    expect(logits!.shape).toEqual(meta.logits_shape);
    expect(fs.statSync(file).size).toBe(meta.file_bytes);
    expect(tensors.size - 2).toBe(meta.tensors_written);
    // n_params counts parameters only (BN running statistics are buffers)
    let params = 0;
    for (const [k, t] of tensors) if (!k.startsWith('__') && !/\.running_(mean|var)$/.test(k)) params += t.data.length;
    expect(params).toBe(meta.n_params);
    // float32 logits vs the float64 reference logits, within the gap the sidecar reports
    const f64 = (meta.logits_float64 as number[][]).flat();
    let gap = 0;
    let maxAbs = 0;
    logits!.data.forEach((v, i) => {
      gap = Math.max(gap, Math.abs(v - f64[i]));
      maxAbs = Math.max(maxAbs, Math.abs(v));
    });
    expect(gap).toBeLessThanOrEqual(meta.max_abs_diff_f32_vs_f64 * (1 + 1e-6) + 1e-12);
    expect(Math.abs(maxAbs - meta.max_abs_logit)).toBeLessThan(1e-6);
  });
});
