import 'reflect-metadata';
import { buildModel, createRegistry, selectBackend } from '@vitkit/core';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as tokenizers } from '@vitkit/tokenizers';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { checkModel, OnnxCheckError } from './check';
import { exportOnnx } from './export';

const spec = { type: 'vit', imgSize: 8, embedDim: 8, depth: 1, numHeads: 2, mlpRatio: 2, numClasses: 3, tokenizer: { type: 'patch', patchSize: 4 } };

function exported(): onnx.ModelProto & { graph: onnx.GraphProto } {
  const model = buildModel(createRegistry({ plugins: [tokenizers, backbones] }), spec);
  try {
    return onnx.ModelProto.decode(exportOnnx(model)) as onnx.ModelProto & { graph: onnx.GraphProto };
  } finally {
    model.dispose();
  }
}

describe('exported graph: structure, metadata and the checker', () => {
  beforeAll(async () => {
    await selectBackend('cpu', { quiet: true });
  });

  it('opset 17 default domain, dynamic batch on input and output, NHWC input, preprocessing in metadata_props', () => {
    const m = exported();
    expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    const dims = (v: onnx.IValueInfoProto) => v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
    expect(dims(m.graph.input[0])).toEqual(['batch', 8, 8, 3]);
    expect(dims(m.graph.output[0])).toEqual(['batch', 3]);
    const meta = Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
    expect(meta).toMatchObject({
      'vitkit.input_layout': 'NHWC', 'vitkit.input_size': '[8,8]', 'vitkit.mean': '[0.485,0.456,0.406]', 'vitkit.std': '[0.229,0.224,0.225]',
      'vitkit.interpolation': 'bicubic', 'vitkit.crop_pct': '0.9', 'vitkit.model': 'VisionTransformer',
    });
    expect(m.graph.initializer.map((t) => t.name)).toEqual(expect.arrayContaining(['cls_token', 'pos_embed', 'blocks.0.attn.qkv.weight', 'head.weight']));
    expect(() => checkModel(m)).not.toThrow();
  });

  it('onnxruntime loads it and reports the graph input and output names', async () => {
    const model = buildModel(createRegistry({ plugins: [tokenizers, backbones] }), spec);
    const bytes = exportOnnx(model);
    model.dispose();
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['logits']);
    await session.release();
  });

  it('the checker reports an undefined input, a non-standard op, a bad initializer, a missing output and the opset', () => {
    const m = exported();
    m.graph.node[1].input![0] = 'nowhere';
    m.graph.node[2].opType = 'FancyOp';
    m.graph.initializer[0].dims = [12345];
    m.graph.output[0].name = 'ghost';
    m.opsetImport[0].version = 13;
    let err: unknown;
    try {
      checkModel(m);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OnnxCheckError);
    const text = (err as OnnxCheckError).problems.join('\n');
    expect(text).toMatch(/input "nowhere" is not defined before the node/);
    expect(text).toMatch(/op FancyOp is not in the exporter's opset-17 op list/);
    expect(text).toMatch(/initializer "[^"]+": \d+ bytes for dims \[12345\]/);
    expect(text).toMatch(/graph output "ghost" is not produced by any node/);
    expect(text).toMatch(/default-domain opset is 13, expected 17/);
  });

  it('the checker catches nodes out of topological order', () => {
    const m = exported();
    m.graph.node.reverse();
    expect(() => checkModel(m)).toThrow(/is not defined before the node/);
  });
});
