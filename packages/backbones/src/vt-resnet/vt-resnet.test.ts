import * as fs from 'fs';
import * as path from 'path';
import { buildModel, loadStateDict, parseSafetensors, selectBackend, SpecError, tf } from '@vitkit/core';
import { TINY, vtRegistry } from '../testing';
import { VtResNet } from './vt-resnet';
import { sharedDir } from '@vitkit/core/testing';

const SHARED = sharedDir();

describe('vt-resnet structure (wasm)', () => {
  beforeAll(() => selectBackend('wasm', { quiet: true }));

  it('names: ResNet stages as torchvision, then vt.{i}.{tokenizer,transformer,projector}, fc', () => {
    const model = buildModel(vtRegistry(), { ...TINY, vtModules: 3 } as { type: string });
    const names = model.namedParameters().map(([n]) => n);
    expect(names.filter((n) => n.startsWith('vt.'))).toEqual([
      'vt.0.tokenizer.value.weight', 'vt.0.tokenizer.attn.weight',
      'vt.0.transformer.key.weight', 'vt.0.transformer.query.weight', 'vt.0.transformer.f1.weight', 'vt.0.transformer.f2.weight',
      'vt.0.projector.query.weight', 'vt.0.projector.key.weight', 'vt.0.projector.value.weight',
      'vt.1.tokenizer.value.weight', 'vt.1.tokenizer.t2r.weight',
      'vt.1.transformer.key.weight', 'vt.1.transformer.query.weight', 'vt.1.transformer.f1.weight', 'vt.1.transformer.f2.weight',
      'vt.1.projector.query.weight', 'vt.1.projector.key.weight', 'vt.1.projector.value.weight',
      'vt.2.tokenizer.value.weight', 'vt.2.tokenizer.t2r.weight',
      'vt.2.transformer.key.weight', 'vt.2.transformer.query.weight', 'vt.2.transformer.f1.weight', 'vt.2.transformer.f2.weight',
    ]);
    expect(names.slice(0, 2)).toEqual(['conv1.weight', 'bn1.weight']);
    expect(names.slice(-2)).toEqual(['fc.weight', 'fc.bias']);
    model.dispose();
    const full = buildModel(vtRegistry(), { ...TINY, projectLast: true, interaction: 'graph-conv' } as { type: string });
    const n2 = full.namedParameters().map(([n]) => n);
    expect(n2).toContain('vt.1.projector.query.weight');
    expect(n2).toContain('vt.0.graph_conv.node.weight');
    expect(n2.some((n) => n.includes('transformer'))).toBe(false);
    full.dispose();
    const adapted = buildModel(vtRegistry(), { ...TINY, channels: 12 } as { type: string });
    expect(adapted.namedParameters().map(([n]) => n)).toContain('vt_in.0.weight');
    adapted.dispose();
  });

  it('ResNet stages load from a torchvision checkpoint (resnet18_narrow) and reproduce its layer3 activations', () => {
    const model = buildModel(vtRegistry(), { type: 'vt-resnet', layers: [2, 2, 2], widths: [8, 16, 32], tokenChannels: 16, numTokens: 4, numClasses: 10, imgSize: 64 }) as VtResNet;
    const { tensors } = parseSafetensors(fs.readFileSync(path.join(SHARED, 'fixtures/resnet18_narrow.safetensors')));
    const res = loadStateDict(model, tensors, { strict: false });
    // Only the head differs (fc reads CT-channel tokens here, 64-channel pooled features there).
    expect(res.mismatched.every((k) => k.startsWith('fc.'))).toBe(true);
    expect(res.unexpected.every((k) => k.startsWith('layer4.') || k.startsWith('fc.'))).toBe(true);
    expect(res.missing.every((k) => k.startsWith('vt.') || k.startsWith('fc.'))).toBe(true);
    const dbg = parseSafetensors(fs.readFileSync(path.join(SHARED, 'fixtures/debug/resnet18_narrow.debug.safetensors'))).tensors.get('__dbg__.layer3')!;
    model.eval();
    const inp = tensors.get('__input__')!;
    const d = tf.tidy(() => {
      const x = tf.transpose(tf.tensor4d(inp.data as Float32Array, inp.shape as [number, number, number, number]), [0, 2, 3, 1]);
      const ref = tf.transpose(tf.tensor4d(dbg.data as Float32Array, dbg.shape as [number, number, number, number]), [0, 2, 3, 1]);
      return tf.max(tf.abs(tf.sub(model.forwardStages(x), ref))).dataSync()[0];
    });
    expect(d).toBeLessThan(1e-4);
    model.dispose();
  });

  it('returns per-module spatial attention maps [B, H, W, L] that sum to 1 over the pixels', () => {
    const model = buildModel(vtRegistry(), { ...TINY, imgSize: 64 } as { type: string }) as VtResNet;
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const maps = model.attentionMaps(x);
    expect(maps.map((m) => m.shape)).toEqual([[2, 4, 4, 4], [2, 4, 4, 4]]);
    const sums = tf.tidy(() => tf.sum(maps[0], [1, 2]).dataSync());
    for (const v of sums) expect(v).toBeCloseTo(1, 5);
    expect(model.training).toBe(true);
    tf.dispose([x, ...maps]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('reports spec errors with their path', () => {
    const r = vtRegistry();
    expect(() => buildModel(r, { ...TINY, tokenizer: 'recurrent' } as { type: string })).toThrow(SpecError);
    expect(() => buildModel(r, { ...TINY, tokenizer: 'recurrent' } as { type: string })).toThrow(/model\.tokenizer: "recurrent" needs the tokens of a previous VT module/);
    expect(() => buildModel(r, { ...TINY, interaction: 'gcn' } as { type: string })).toThrow(/model\.interaction: "gcn" is not valid; expected one of transformer, graph-conv, none/);
    expect(() => buildModel(r, { ...TINY, tokenizer: 'kmeans' } as { type: string })).toThrow(/model\.tokenizer\.type: "kmeans" is not registered as a tokenizer/);
    expect(() => buildModel(r, { ...TINY, tokenizer: { type: 'clustering', iterations: -1 } } as { type: string })).toThrow(/model\.tokenizer\.iterations: -1 is not valid/);
    expect(() => buildModel(r, { ...TINY, layers: [1, 1, 1, 1] } as { type: string })).toThrow(/model\.layers: has 4 entries; expected exactly 3/);
  });
});
