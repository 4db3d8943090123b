import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf } from '../tf';
import { BatchNorm2d } from '../nn/batch-norm';
import { Conv2d } from '../nn/conv2d';
import { LayerNorm } from '../nn/layer-norm';
import { Linear } from '../nn/linear';
import { Module, ModuleList } from '../nn/module';
import { TEST_BACKENDS, useBackend } from '../testing/backends';
import { seededValues } from '../testing/gradcheck';
import { HostTensor, readSafetensors, TensorMap } from './safetensors';
import { loadStateDict, stateDict, StateDictError } from './state-dict';
import { loadSafetensorsInto, saveSafetensors } from './state-dict-file';

class Net extends Module {
  readonly conv = this.addModule('conv', new Conv2d(2, 3, 3, { bias: false }));
  readonly bn = this.addModule('bn', new BatchNorm2d(3));
  readonly layers = this.addModule('layers', new ModuleList([new Linear(3, 4), new LayerNorm(4, 1e-6)]));
  readonly head = this.addModule('head', new Linear(4, 2));
  readonly pos = this.addParameter('pos_embed', tf.zeros([1, 2, 4]), { trainable: false });
}

const host = (shape: number[], data: ArrayLike<number>): HostTensor => ({ shape, data: Float32Array.from(data), dtype: 'F32' });

/** Every parameter and buffer of `m` filled with distinct values (in the PyTorch layout). */
function randomState(m: Module, seed: number): TensorMap {
  const out: TensorMap = new Map();
  let i = 0;
  for (const [name, p] of m.namedParameters()) out.set(name, host(p.torchShape, seededValues(p.size, seed + i++)));
  for (const [name, b] of m.namedBuffers()) out.set(name, host(b.shape, seededValues(b.size, seed + i++).map(Math.abs)));
  return out;
}

let dir: string;
beforeAll(async () => {
  await useBackend('cpu');
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'vitkit-sd-'));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('stateDict / loadStateDict', () => {
  it('exports every parameter then every buffer under PyTorch names and shapes', () => {
    const net = new Net();
    const sd = stateDict(net);
    // like PyTorch: a module's own parameters come before its children's
    expect([...sd.entries()].map(([k, v]) => [k, v.shape])).toEqual([
      ['pos_embed', [1, 2, 4]],
      ['conv.weight', [3, 2, 3, 3]],
      ['bn.weight', [3]],
      ['bn.bias', [3]],
      ['layers.0.weight', [4, 3]],
      ['layers.0.bias', [4]],
      ['layers.1.weight', [4]],
      ['layers.1.bias', [4]],
      ['head.weight', [2, 4]],
      ['head.bias', [2]],
      ['bn.running_mean', [3]],
      ['bn.running_var', [3]],
    ]);
    net.dispose();
  });

  it('transposes a Linear weight: stored [in, out], PyTorch [out, in] (hand-checked)', () => {
    const lin = new Linear(2, 3);
    lin.weight.variable.assign(tf.tensor2d([[1, 2, 3], [4, 5, 6]])); // [in=2, out=3]
    const w = stateDict(lin).get('weight')!;
    expect(w.shape).toEqual([3, 2]);
    expect(Array.from(w.data)).toEqual([1, 4, 2, 5, 3, 6]);
    // and back: PyTorch row o = weights of output o
    loadStateDict(lin, new Map([
      ['weight', host([3, 2], [10, 11, 20, 21, 30, 31])],
      ['bias', host([3], [0, 0, 0])],
    ]));
    expect(lin.weight.variable.arraySync()).toEqual([[10, 20, 30], [11, 21, 31]]);
    lin.dispose();
  });

  it('transposes a Conv2d weight: PyTorch OIHW [out, in, kh, kw] ↔ stored HWIO (hand-checked element map)', () => {
    const conv = new Conv2d(2, 3, 2);
    const [o, i, k] = [3, 2, 2];
    const code = (oo: number, ii: number, hh: number, ww: number) => 1000 * oo + 100 * ii + 10 * hh + ww;
    const oihw: number[] = [];
    for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let c = 0; c < k; c++) for (let d = 0; d < k; d++) oihw.push(code(a, b, c, d));
    loadStateDict(conv, new Map([
      ['weight', host([o, i, k, k], oihw)],
      ['bias', host([o], [1, 2, 3])],
    ]));
    const hwio = conv.weight.variable.arraySync() as number[][][][];
    expect(conv.weight.shape).toEqual([k, k, i, o]);
    for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let c = 0; c < k; c++) for (let d = 0; d < k; d++) expect(hwio[c][d][b][a]).toBe(code(a, b, c, d));
    expect(Array.from(stateDict(conv).get('weight')!.data)).toEqual(oihw);
    conv.dispose();
  });

  it('save → load round trip through a safetensors file is exact, buffers included', async () => {
    const a = new Net();
    loadStateDict(a, randomState(a, 1));
    const file = path.join(dir, 'net.safetensors');
    await saveSafetensors(a, file, { epoch: '3' });
    const { metadata, tensors } = await readSafetensors(file);
    expect(metadata).toEqual({ format: 'pt', epoch: '3' });
    expect(tensors.get('conv.weight')!.shape).toEqual([3, 2, 3, 3]);
    const b = new Net();
    const res = await loadSafetensorsInto(b, file);
    expect(res).toEqual({ missing: [], unexpected: [], mismatched: [] });
    const sa = stateDict(a);
    const sb = stateDict(b);
    for (const [k, v] of sa) expect(Array.from(sb.get(k)!.data)).toEqual(Array.from(v.data));
    // the loaded model computes the same thing
    const x = tf.tensor4d(seededValues(1 * 4 * 4 * 2, 9), [1, 4, 4, 2]);
    const run = (m: Net) => tf.tidy(() => m.head.forward(m.layers.at(0).forward(tf.mean(m.bn.forward(m.conv.forward(x)), [1, 2]))));
    a.eval();
    b.eval();
    const ya = run(a);
    const yb = run(b);
    expect(Array.from(yb.dataSync())).toEqual(Array.from(ya.dataSync()));
    tf.dispose([x, ya, yb]);
    a.dispose();
    b.dispose();
  });

  it('ignores fixture tensors (__input__, __logits__) and num_batches_tracked', () => {
    const net = new Net();
    const sd = randomState(net, 2);
    sd.set('__input__', host([1, 2], [1, 2]));
    sd.set('__logits__', host([1], [0]));
    sd.set('bn.num_batches_tracked', host([], [7]));
    expect(loadStateDict(net, sd)).toEqual({ missing: [], unexpected: [], mismatched: [] });
    net.dispose();
  });

  it('strict: ONE error lists every missing, unexpected and mis-shaped key, and nothing is assigned', () => {
    const net = new Net();
    const sd = randomState(net, 3);
    sd.delete('head.bias');
    sd.delete('bn.running_var');
    sd.set('head.extra', host([1], [0]));
    sd.set('blocks.0.attn.qkv.weight', host([1], [0]));
    sd.set('layers.0.weight', host([3, 4], new Array(12).fill(1))); // transposed: PyTorch shape is [4, 3]
    sd.set('conv.weight', host([3, 2, 5, 5], new Array(150).fill(1)));
    const before = stateDict(net);
    let err: unknown;
    try {
      loadStateDict(net, sd, { source: 'ckpt.safetensors' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StateDictError);
    const e = err as StateDictError;
    expect(e.missing).toEqual(['head.bias', 'bn.running_var']);
    expect(e.unexpected).toEqual(['head.extra', 'blocks.0.attn.qkv.weight']);
    expect(e.mismatched).toEqual(['conv.weight: checkpoint [3,2,5,5] vs model [3,2,3,3]', 'layers.0.weight: checkpoint [3,4] vs model [4,3]']);
    expect(e.message).toContain('state dict from ckpt.safetensors does not match the model');
    for (const k of ['head.bias', 'bn.running_var', 'head.extra', 'blocks.0.attn.qkv.weight', 'conv.weight: checkpoint [3,2,5,5]', 'layers.0.weight: checkpoint [3,4] vs model [4,3]']) {
      expect(e.message).toContain(k);
    }
    expect(e.message).toMatch(/missing \(2\)/);
    expect(e.message).toMatch(/unexpected \(2\)/);
    expect(e.message).toMatch(/wrong shape \(2\)/);
    // nothing assigned, not even the keys that matched
    const after = stateDict(net);
    for (const [k, v] of before) expect(Array.from(after.get(k)!.data)).toEqual(Array.from(v.data));
    net.dispose();
  });

  it('non-strict: returns the problems and assigns every key that matches', () => {
    const net = new Net();
    const sd = randomState(net, 4);
    sd.delete('head.bias');
    sd.set('extra', host([1], [0]));
    sd.set('head.weight', host([4, 2], new Array(8).fill(1)));
    const headBefore = Array.from(stateDict(net).get('head.weight')!.data);
    const res = loadStateDict(net, sd, { strict: false });
    expect(res).toEqual({ missing: ['head.bias'], unexpected: ['extra'], mismatched: ['head.weight: checkpoint [4,2] vs model [2,4]'] });
    const after = stateDict(net);
    expect(Array.from(after.get('conv.weight')!.data)).toEqual(Array.from(sd.get('conv.weight')!.data));
    expect(Array.from(after.get('bn.running_var')!.data)).toEqual(Array.from(sd.get('bn.running_var')!.data));
    expect(Array.from(after.get('pos_embed')!.data)).toEqual(Array.from(sd.get('pos_embed')!.data));
    expect(Array.from(after.get('head.weight')!.data)).toEqual(headBefore);
    net.dispose();
  });

  it('a root module may rename foreign keys with adaptStateDictKey (timm pos_embed_0 → pos_embed.0)', () => {
    class Adapted extends Module {
      readonly list = this.addModule('pos_embed', new ModuleList([new LayerNorm(2, 1e-6)]));
      adaptStateDictKey(k: string): string {
        return k.replace(/^pos_embed_(\d+)/, 'pos_embed.$1');
      }
    }
    const m = new Adapted();
    loadStateDict(m, new Map([
      ['pos_embed_0.weight', host([2], [3, 4])],
      ['pos_embed_0.bias', host([2], [5, 6])],
    ]));
    expect(Array.from(stateDict(m).get('pos_embed.0.weight')!.data)).toEqual([3, 4]);
    m.dispose();
  });

  it('loadSafetensorsInto names the file in a strict error', async () => {
    const file = path.join(dir, 'partial.safetensors');
    const lin = new Linear(2, 2);
    await saveSafetensors(lin, file);
    const other = new Linear(2, 3);
    await expect(loadSafetensorsInto(other, file)).rejects.toThrow(`state dict from ${file} does not match the model`);
    lin.dispose();
    other.dispose();
  });
});

describe.each(TEST_BACKENDS)('stateDict on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('is a snapshot: mutating it or training afterwards leaves the other side unchanged', () => {
    const net = new Net();
    loadStateDict(net, randomState(net, 5));
    const sd = stateDict(net);
    const bias0 = net.head.bias!.variable.dataSync()[0];
    const var0 = net.bn.runningVar.dataSync()[0];
    const gamma0 = net.bn.weight.variable.dataSync()[0];
    sd.get('head.bias')!.data[0] = 99;
    sd.get('bn.running_var')!.data[0] = 77;
    sd.get('bn.weight')!.data[0] = 55;
    expect(net.head.bias!.variable.dataSync()[0]).toBe(bias0);
    expect(net.bn.runningVar.dataSync()[0]).toBe(var0);
    expect(net.bn.weight.variable.dataSync()[0]).toBe(gamma0);
    const sd2 = stateDict(net);
    net.bn.weight.variable.assign(tf.fill([3], 3));
    expect(sd2.get('bn.weight')!.data[0]).toBe(gamma0);
    net.dispose();
  });

  it('loadStateDict copies: mutating the loaded map afterwards leaves the model unchanged', () => {
    const net = new Net();
    const sd = randomState(net, 6);
    loadStateDict(net, sd);
    const expected = Array.from(sd.get('head.bias')!.data);
    const expectedVar = Array.from(sd.get('bn.running_var')!.data);
    sd.get('head.bias')!.data.fill(99);
    sd.get('bn.running_var')!.data.fill(77);
    sd.get('conv.weight')!.data.fill(55);
    expect(Array.from(net.head.bias!.variable.dataSync())).toEqual(expected);
    expect(Array.from(net.bn.runningVar.dataSync())).toEqual(expectedVar);
    expect(net.conv.weight.variable.dataSync()[0]).not.toBe(55);
    net.dispose();
  });
});
