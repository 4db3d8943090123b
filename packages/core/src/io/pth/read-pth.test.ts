import * as fs from 'fs';
import * as path from 'path';
import { readSafetensors, serializeSafetensors } from '../safetensors';
import { parseWeights, readWeights } from '../read-weights';
import { convertWeights } from '../convert-weights';
import { checkpointWeights } from './checkpoint-layout';
import { OpaqueObject } from './pickle-values';
import { PthError } from './pth-error';
import { parsePth } from './read-pth';
import { fixturePath } from '../../testing';

const SHARED_PTH = fixturePath('pth');
const SHARED = path.dirname(SHARED_PTH);
const DATA = path.join(__dirname, 'testdata');
const PWNED = '/tmp/vitkit-pth-pwned';

type Expected = Record<string, { shape: number[]; dtype: string; values: Array<number | string> }>;
const EXPECTED = JSON.parse(fs.readFileSync(path.join(DATA, 'expected.json'), 'utf8')) as Record<string, Expected>;

function expectWeights(tensors: Map<string, { shape: number[]; data: Float32Array; dtype: string }>, want: Expected): void {
  expect([...tensors.keys()]).toEqual(Object.keys(want));
  for (const [name, w] of Object.entries(want)) {
    const t = tensors.get(name)!;
    expect({ name, shape: t.shape, dtype: t.dtype }).toEqual({ name, shape: w.shape, dtype: w.dtype });
    // The JSON holds float32-rounded values, non-finite ones as Python's repr ('inf', '-inf', 'nan').
    const got = Array.from(t.data);
    const py: Record<string, number> = { inf: Infinity, '-inf': -Infinity, nan: NaN };
    w.values.forEach((v, i) => expect([name, i, got[i]]).toEqual([name, i, typeof v === 'string' ? py[v] : Math.fround(v)]));
  }
}

describe('PyTorch checkpoints: the shared fixtures', () => {
  const cases: Array<[string, string, string | null]> = [
    ['crossvit_tiny_rand.pth', 'crossvit_tiny_rand', null],
    ['resnet18_narrow.pth', 'resnet18_narrow', null],
    ['t2t_tiny_transformer_rand.pth.tar', 't2t_tiny_transformer_rand', 'state_dict_ema'],
  ];
  it.each(cases)('%s holds exactly the tensors of %s.safetensors', async (file, ref, entry) => {
    const w = await readWeights(path.join(SHARED_PTH, file));
    const { tensors: want } = await readSafetensors(path.join(SHARED, `${ref}.safetensors`));
    expect(w.format).toBe('pth-zip');
    expect(w.entry).toBe(entry);
    for (const [name, t] of want) {
      if (name.startsWith('__')) continue;
      const got = w.tensors.get(name);
      expect(got?.shape).toEqual(t.shape);
      expect(Buffer.from(got!.data.buffer, got!.data.byteOffset, got!.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))).toBe(true);
    }
  });

  it('the official T2T-ViT checkpoint: EMA weights by default (as load_for_transfer_learning), live ones on request', async () => {
    const file = path.join(SHARED_PTH, 't2t_tiny_transformer_rand.pth.tar');
    const ema = await readWeights(file);
    const live = await readWeights(file, { weights: 'live' });
    expect(ema.otherEntries).toEqual(expect.arrayContaining(['epoch', 'arch', 'state_dict', 'optimizer', 'version', 'metric']));
    expect(live.entry).toBe('state_dict');
    expect(Array.from(live.tensors.get('head.weight')!.data)).not.toEqual(Array.from(ema.tensors.get('head.weight')!.data));
    expect((await readWeights(file, { weights: 'ema' })).entry).toBe('state_dict_ema');
  });

  it('resnet18_narrow keeps the int64 num_batches_tracked counters', async () => {
    const w = await readWeights(path.join(SHARED_PTH, 'resnet18_narrow.pth'));
    const n = w.tensors.get('bn1.num_batches_tracked')!;
    expect(n).toMatchObject({ shape: [], dtype: 'I64' });
    expect(n.data[0]).toBe(1234);
  });
});

describe('PyTorch checkpoints: formats, dtypes and views (tools/pth-fixtures/make_pth_fixtures.py)', () => {
  it.each(['dtypes.pth', 'dtypes_legacy.pth', 'views.pth', 'views_legacy.pth', 'views_protocol4.pth', 'deflated.pth', 'big_endian.pth', 'train_t2t.pth.tar', 'train_t2t_legacy.pth.tar', 'train_deit.pth'])(
    '%s: every weight, dtype, shape and value as torch wrote it',
    async (file) => {
      const w = await readWeights(path.join(DATA, file));
      expect(w.format).toBe(file.includes('legacy') ? 'pth-legacy' : 'pth-zip');
      expectWeights(w.tensors, EXPECTED[file.replace('_legacy', '')] ?? EXPECTED[file]);
    },
  );

  it('tensors that share a storage (tied weights, slices of one base) are read from it, not from copies of the file', () => {
    const { root } = parsePth(fs.readFileSync(path.join(DATA, 'views.pth')), 'views.pth');
    const m = root as Map<string, { storage: unknown; storageOffset: number; stride: number[] }>;
    expect(m.get('tied_a')).toBe(m.get('tied_b'));
    expect(m.get('row')!.storage).toBe(m.get('base')!.storage);
    expect(m.get('transposed')!.stride).toEqual([1, 6]);
    expect(m.get('sliced')!.storageOffset).toBe(6);
  });

  it('a training checkpoint: module. prefixes stripped, EMA preferred, args (argparse.Namespace) skipped as an opaque object', async () => {
    const w = await readWeights(path.join(DATA, 'train_t2t.pth.tar'));
    expect(w.entry).toBe('state_dict_ema');
    expect(w.strippedPrefixes).toEqual(['module.']);
    expect(w.otherEntries).toEqual(['epoch', 'arch', 'state_dict', 'optimizer', 'args', 'version', 'metric']);
    const { root } = parsePth(fs.readFileSync(path.join(DATA, 'train_t2t.pth.tar')));
    expect((root as Map<string, unknown>).get('args')).toEqual(new OpaqueObject('argparse.Namespace'));
    expectWeights((await readWeights(path.join(DATA, 'train_t2t.pth.tar'), { weights: 'live' })).tensors, EXPECTED['train_t2t.pth.tar#live']);
  });

  it('a DeiT/CrossViT checkpoint: model by default (their fine-tuning code), model_ema on request', async () => {
    const file = path.join(DATA, 'train_deit.pth');
    expect((await readWeights(file)).entry).toBe('model');
    const ema = await readWeights(file, { weights: 'ema' });
    expect(ema.entry).toBe('model_ema');
    expectWeights(ema.tensors, EXPECTED['train_deit.pth#ema']);
    await expect(readWeights(path.join(DATA, 'dtypes.pth'), { weights: 'ema' })).rejects.toThrow(/asked for the EMA weights but the checkpoint has none/);
  });

  it('an entry named like a layout but holding no dict (model: "resnet50") is not taken for the weights', () => {
    const { root } = parsePth(fs.readFileSync(path.join(DATA, 'dtypes.pth')));
    const ck = new Map<unknown, unknown>([['model', 'resnet50'], ['state_dict', root], ['epoch', 3]]);
    expect(checkpointWeights(ck, 'c.pth').entry).toBe('state_dict');
    expect(() => checkpointWeights(new Map<unknown, unknown>([['model', 'resnet50'], ['weights', root]]), 'c.pth')).toThrow(/c\.pth: the file holds no tensor \(entries: model, weights\)/);
  });

  it('bytes work like a path, and safetensors go through the same function', async () => {
    const bytes = fs.readFileSync(path.join(DATA, 'views.pth'));
    expectWeights(parseWeights(bytes).tensors, EXPECTED['views.pth']);
    const st = serializeSafetensors([['a', { shape: [2], data: new Float32Array([1, 2]) }]]);
    const w = await readWeights(st);
    expect(w.format).toBe('safetensors');
    expect(Array.from(w.tensors.get('a')!.data)).toEqual([1, 2]);
  });
});

describe('PyTorch checkpoints: refused input runs nothing and says why', () => {
  beforeAll(() => fs.rmSync(PWNED, { force: true }));
  afterAll(() => expect(fs.existsSync(PWNED)).toBe(false));

  it.each([
    ['evil_os_system.pth', /refusing to load: the pickle names the global posix\.system/],
    // Protocol 2 spells the module as Python 2 did.
    ['evil_builtins_eval.pth', /refusing to load: the pickle names the global __builtin__\.eval/],
    ['evil_protocol4.pth', /refusing to load: the pickle names the global builtins\.eval/],
  ])('%s is refused, naming the global', async (file, message) => {
    await expect(readWeights(path.join(DATA, file))).rejects.toThrow(message);
    await expect(readWeights(path.join(DATA, file))).rejects.toBeInstanceOf(PthError);
    expect(fs.existsSync(PWNED)).toBe(false);
  });

  it('a truncated zip names the file and says truncated', () => {
    const bytes = fs.readFileSync(path.join(SHARED_PTH, 'resnet18_narrow.pth'));
    for (const cut of [bytes.length - 10, Math.floor(bytes.length / 2), 100]) {
      expect(() => parseWeights(bytes.subarray(0, cut), 'resnet18_narrow.pth')).toThrow(/resnet18_narrow\.pth: .*truncated/);
    }
  });

  it('a truncated legacy file says truncated', () => {
    const bytes = fs.readFileSync(path.join(DATA, 'dtypes_legacy.pth'));
    for (const cut of [bytes.length - 3, 300, 40]) expect(() => parseWeights(bytes.subarray(0, cut), 'x.pth')).toThrow(/x\.pth: .*truncated/);
  });

  it('a deflated entry claiming an impossible size (zip bomb) is refused before it is inflated', () => {
    const bytes = Buffer.from(fs.readFileSync(path.join(DATA, 'deflated.pth')));
    const cd = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bytes.writeUInt32LE(0x7fffffff, cd + 24); // the first entry's uncompressed size in the central directory
    expect(() => parseWeights(bytes, 'bomb.pth')).toThrow(/bomb\.pth: zip entry "archive\/data\.pkl" claims 2147483647 bytes from \d+ compressed/);
  });

  it('a storage shorter than its tensors', async () => {
    await expect(readWeights(path.join(DATA, 'short_storage.pth'))).rejects.toThrow(/storage 0 \(FloatStorage\) declares 16 elements \(64 bytes\) but holds 20 bytes/);
  });

  it('a tensor whose view reaches past its storage', () => {
    const { root } = parsePth(fs.readFileSync(path.join(DATA, 'views.pth')), 'v.pth');
    const t = (root as Map<string, { shape: number[] }>).get('base')!;
    t.shape[0] = 5; // 5 x 6 of a 24-element storage
    expect(() => checkpointWeights(root, 'v.pth')).toThrow(/tensor "base" \[5,6\] .* reaches element 29 of storage 0, which holds 24/);
  });

  it('a pickled whole module, a non-checkpoint and an opaque object among the weights', async () => {
    await expect(readWeights(path.join(DATA, 'whole_module.pth'))).rejects.toThrow(/torch\.nn\.modules\.linear\.Linear object.*save model\.state_dict\(\)/);
    expect(() => parseWeights(Buffer.from('hello world, not weights'), 'x.bin')).toThrow(/x\.bin: not a weights file/);
    const { root } = parsePth(fs.readFileSync(path.join(DATA, 'views.pth')));
    (root as Map<string, unknown>).set('odd', new OpaqueObject('argparse.Namespace'));
    expect(() => checkpointWeights(root, 'v.pth')).toThrow(/weight "odd" is <argparse\.Namespace object>, not a tensor/);
  });
});

describe('convertWeights (`vitkit convert in.pth out.safetensors`)', () => {
  it('writes the chosen weights as a safetensors state dict that reads back equal', async () => {
    const os = await import('os');
    const out = path.join(os.tmpdir(), `vitkit-convert-${process.pid}.safetensors`);
    try {
      const r = await convertWeights(path.join(DATA, 'train_t2t.pth.tar'), out);
      expect(r).toMatchObject({ format: 'pth-zip', entry: 'state_dict_ema', strippedPrefixes: ['module.'] });
      const back = await readSafetensors(out);
      expect(back.metadata).toMatchObject({ format: 'pt', producer: 'vitkit convert', source: 'train_t2t.pth.tar', entry: 'state_dict_ema' });
      expectWeights(
        new Map([...back.tensors].map(([k, t]) => [k, { ...t, dtype: EXPECTED['train_t2t.pth.tar'][k].dtype }])),
        EXPECTED['train_t2t.pth.tar'],
      );
      await expect(convertWeights(path.join(DATA, 'evil_os_system.pth'), out)).rejects.toThrow(/refusing to load: .*(os|posix)\.system/);
    } finally {
      fs.rmSync(out, { force: true });
    }
  });
});

describe('loadWeightsInto (the API path): a .pth loads like a .safetensors', () => {
  it('loads the DeiT-style checkpoint\'s live or EMA weights into a module with the same names', async () => {
    const { Linear } = await import('../../nn/linear');
    const { BatchNorm2d } = await import('../../nn/batch-norm');
    const { ModuleList } = await import('../../nn/module');
    const { stateDict } = await import('../state-dict');
    const { loadWeightsInto } = await import('../state-dict-file');
    class Small extends ModuleList {
      constructor() {
        super();
        this.addModule('fc', new Linear(3, 2));
        this.addModule('bn', new BatchNorm2d(2));
      }
    }
    const m = new Small();
    await loadWeightsInto(m, path.join(DATA, 'train_deit.pth'), { weights: 'ema' });
    const got = stateDict(m);
    for (const [name, want] of Object.entries(EXPECTED['train_deit.pth#ema'])) {
      if (name.endsWith('num_batches_tracked')) continue;
      expect([name, Array.from(got.get(name)!.data)]).toEqual([name, want.values.map((v) => Math.fround(v as number))]);
    }
    await expect(loadWeightsInto(m, path.join(DATA, 'dtypes.pth'))).rejects.toThrow(/dtypes\.pth does not match the model/);
    m.dispose();
  });
});
