import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  buildModel,
  buildPretrainedModel,
  createRegistry,
  modelInfo,
  readWeights,
  resizePosEmbedTo,
  saveSafetensors,
  selectBackend,
  SpecError,
  stateDict,
  tf,
} from '@vitkit/core';
import type { ImageClassifier, ModelSpec, PretrainedReport, Registry, TensorMap } from '@vitkit/core';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { plugin as fusion } from '@vitkit/fusion';
import { plugin as backbones } from './index';
import { FIXTURES } from './testing/t2t';

const PTH = path.join(FIXTURES, 'pth');
const POS_RESIZE = path.resolve(__dirname, '../../core/src/io/pth/testdata/pos_resize.pth');

function registry(): Registry {
  return createRegistry({ plugins: [tokenizers, fusion, backbones] });
}

/**
 * Fine-tunes `file` into `spec` (another image size and class count) and checks the contract: the head is reset to
 * the new class count, position tables are resized, every other tensor equals the checkpoint's, and the model runs.
 */
async function fineTune(spec: { type: string } & Record<string, unknown> | { preset: string } & Record<string, unknown>, file: string, expectResized: string[], expectReset: string[]): Promise<{ model: ImageClassifier; report: PretrainedReport; source: TensorMap }> {
  const source = (await readWeights(file)).tensors;
  const lines: string[] = [];
  const { model, pretrained } = await buildPretrainedModel(registry(), { ...spec, pretrained: { path: file } } as ModelSpec, { log: (l) => lines.push(l) });
  const report = pretrained!;
  expect(report.resized.map((r) => r.name).sort()).toEqual(expectResized.sort());
  expect(report.reset.map((r) => r.name).sort()).toEqual(expectReset.sort());
  expect(report.leftOut).toEqual([]);
  expect(report.missing).toEqual([]);
  expect(lines[0]).toMatch(new RegExp(`^pretrained: ${report.loaded.length} tensors loaded from `));
  expect(lines.join('\n')).toContain('reset (new head)');
  const now = stateDict(model);
  for (const name of report.loaded) {
    expect([name, Array.from(now.get(name)!.data)]).toEqual([name, Array.from(source.get(name)!.data)]);
  }
  // Everything the model has is accounted for.
  const ignored = [...now.keys()].filter((k) => k.endsWith('num_batches_tracked'));
  expect(report.loaded.length + report.reset.length + report.resized.length + ignored.length).toBe(now.size);
  for (const r of report.resized) {
    // The class-token row is kept; the grid is the bicubic resize of the checkpoint's.
    const want = resizePosEmbedTo(source.get(r.name)!, r.to, 1);
    expect(Array.from(now.get(r.name)!.data)).toEqual(Array.from(want.data));
    expect(Array.from(now.get(r.name)!.data.subarray(0, r.to[2]))).toEqual(Array.from(source.get(r.name)!.data.subarray(0, r.from[2])));
  }
  const [h, w] = model.config.inputSize;
  const out = tf.tidy(() => model.eval().forward(tf.randomNormal([2, h, w, 3], 0, 1, 'float32', 1) as tf.Tensor4D));
  expect(out.shape).toEqual([2, model.config.numClasses]);
  expect(Array.from(out.dataSync()).every(Number.isFinite)).toBe(true);
  out.dispose();
  return { model, report, source };
}

async function tmpFile(name: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitkit-finetune-'));
  return path.join(dir, name);
}

describe('fine-tuning from a spec (`model.pretrained`): another image size and class count', () => {
  beforeAll(async () => {
    await selectBackend('wasm', { quiet: true });
  });

  it('resizes position tables exactly as the official resize_pos_embed (PyTorch bicubic)', async () => {
    const { tensors } = await readWeights(POS_RESIZE);
    const got = resizePosEmbedTo(tensors.get('before')!, [1, 37, 3], 1);
    const want = tensors.get('after')!;
    // float32 sums of 16 taps in another order than PyTorch's
    expect(Math.max(...Array.from(got.data, (v, i) => Math.abs(v - want.data[i])))).toBeLessThan(5e-6);
  });

  it('T2T-ViT: the official checkpoint (.pth.tar, EMA weights) at 96 px and 5 classes', async () => {
    const { model, report } = await fineTune(
      { type: 'deep-narrow', imgSize: 96, inChans: 3, numClasses: 5, embedDim: 64, depth: 2, numHeads: 2, mlpRatio: 2, tokenizer: { type: 't2t', attention: 'transformer', tokenDim: 32 } },
      path.join(PTH, 't2t_tiny_transformer_rand.pth.tar'),
      ['pos_embed'],
      ['head.weight', 'head.bias'],
    );
    expect(report.entry).toBe('state_dict_ema');
    expect(report.resized[0]).toEqual({ name: 'pos_embed', from: [1, 17, 64], to: [1, 37, 64] });
    expect(report.reset).toEqual([
      { name: 'head.weight', from: [10, 64], to: [5, 64] },
      { name: 'head.bias', from: [10], to: [5] },
    ]);
    model.dispose();
  });

  it('CrossViT: both branches\' position tables resized, both heads reset', async () => {
    const { model } = await fineTune(
      {
        type: 'dual-branch', imgSize: [72, 48], patchSize: [12, 16], inChans: 3, numClasses: 3, embedDim: [24, 48], depth: [[1, 2, 0], [1, 2, 0]],
        numHeads: [2, 2], mlpRatio: [2, 2], qkvBias: true, normEps: 1e-6, tokenizer: 'patch', fusion: 'cross-attention',
      },
      path.join(PTH, 'crossvit_tiny_rand.pth'),
      ['pos_embed.0', 'pos_embed.1'],
      ['head.0.weight', 'head.0.bias', 'head.1.weight', 'head.1.bias'],
    );
    model.dispose();
  });

  it('ResNet: the torchvision checkpoint at 96 px and 7 classes (fc reset, nothing to resize)', async () => {
    const { model } = await fineTune(
      { type: 'resnet', block: 'basic', layers: [2, 2, 2, 2], widths: [8, 16, 32, 64], numClasses: 7, imgSize: 96 },
      path.join(PTH, 'resnet18_narrow.pth'),
      [],
      ['fc.weight', 'fc.bias'],
    );
    model.dispose();
  });

  it('ViT: a 32 px / 10-class checkpoint at 48 px / 4 classes (from a preset with overrides)', async () => {
    const reg = registry();
    const src = buildModel(reg, { preset: 'vit_s_bench_32', embedDim: 32, depth: 1, numHeads: 2 });
    const file = await tmpFile('vit.safetensors');
    await saveSafetensors(src, file);
    src.dispose();
    const { model, report } = await fineTune({ preset: 'vit_s_bench_32', embedDim: 32, depth: 1, numHeads: 2, imgSize: 48, numClasses: 4 }, file, ['pos_embed'], ['head.weight', 'head.bias']);
    expect(report.resized[0]).toEqual({ name: 'pos_embed', from: [1, 65, 32], to: [1, 145, 32] });
    model.dispose();
  });

  it('VT-ResNet: another class count and image size (fc reset, the tokenizer and transformer loaded)', async () => {
    const reg = registry();
    const spec = { type: 'vt-resnet', layers: [1, 1, 1], widths: [8, 16, 32], tokenChannels: 16, numTokens: 4, vtModules: 1, numClasses: 10, imgSize: 64 };
    const src = buildModel(reg, spec);
    const file = await tmpFile('vt.safetensors');
    await saveSafetensors(src, file);
    src.dispose();
    const { model } = await fineTune({ ...spec, numClasses: 6, imgSize: 96 }, file, [], ['fc.weight', 'fc.bias']);
    model.dispose();
  });

  it('a checkpoint of another width is refused (strict) naming what does not fit; strict: false keeps the rest initialised', async () => {
    const t2t = { type: 'deep-narrow', imgSize: 64, inChans: 3, numClasses: 10, embedDim: 32, depth: 2, numHeads: 2, mlpRatio: 2, tokenizer: { type: 't2t', attention: 'transformer', tokenDim: 32 } };
    const file = path.join(PTH, 't2t_tiny_transformer_rand.pth.tar');
    await expect(buildPretrainedModel(registry(), { ...t2t, pretrained: file } as ModelSpec)).rejects.toThrow(/pretrained weights from .*t2t_tiny_transformer_rand\.pth\.tar do not fit the model:[\s\S]*wrong shape \(\d+\): cls_token: file \[1,1,64\] vs model \[1,1,32\]/);
    const { model, pretrained } = await buildPretrainedModel(registry(), { ...t2t, pretrained: { path: file, strict: false } } as ModelSpec);
    expect(pretrained!.loaded.length).toBeGreaterThan(0); // the tokenizer (tokens_to_token) has the same widths
    expect(pretrained!.missing).toContain('cls_token');
    model.dispose();
  });

  it('spec errors name the path; buildModel refuses a spec with pretrained instead of returning random weights', async () => {
    const spec = { type: 'resnet', block: 'basic', layers: [2, 2, 2, 2], widths: [8, 16, 32, 64], numClasses: 7, imgSize: 64 };
    await expect(buildPretrainedModel(registry(), { ...spec, pretrained: { path: 'x.pth', weights: 'best' } } as ModelSpec)).rejects.toThrow(SpecError);
    await expect(buildPretrainedModel(registry(), { ...spec, pretrained: { path: 'x.pth', weights: 'best' } } as ModelSpec)).rejects.toThrow(/model\.pretrained\.weights/);
    await expect(buildPretrainedModel(registry(), { ...spec, pretrained: { path: 'x.pth', lr: 1 } } as ModelSpec)).rejects.toThrow(/model\.pretrained\.lr/);
    expect(() => buildModel(registry(), { ...spec, pretrained: 'x.pth' } as ModelSpec)).toThrow(/model\.pretrained: loads weights from a file: build this spec with buildPretrainedModel/);
    await expect(buildPretrainedModel(registry(), { ...spec, pretrained: '/nonexistent/w.pth' } as ModelSpec)).rejects.toThrow(/\/nonexistent\/w\.pth: cannot read \(ENOENT\)/);
    // Parameter counts do not read the weights.
    expect(modelInfo(registry(), { ...spec, pretrained: '/nonexistent/w.pth' } as ModelSpec).paramsTotal).toBeGreaterThan(0);
    // Another architecture altogether.
    await expect(buildPretrainedModel(registry(), { ...spec, pretrained: path.join(PTH, 'crossvit_tiny_rand.pth') } as ModelSpec)).rejects.toThrow(
      /only 0 of the model's \d+ tensors fit: it looks like a checkpoint for another architecture/,
    );
  });
});
