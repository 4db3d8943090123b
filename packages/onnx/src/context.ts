import { Parameter } from '@vitkit/core';
import type { Module, tf } from '@vitkit/core';
import { GraphBuilder } from './graph';
import { OnnxEmitters, OnnxExportError } from './registry';

/** How a stored tensor becomes an ONNX initializer: as stored, or permuted (conv HWIO → OIHW). */
export type Layout = 'as-is' | 'hwio-to-oihw';

/**
 * What an emitter works with: the graph, the registry (to emit children) and the model's module paths (for value
 * names and error messages). Tensors in the graph keep vitkit's layouts: images NHWC, tokens `[B, N, C]`.
 */
export class ExportContext extends GraphBuilder {
  private readonly paths = new Map<Module, string>();
  private readonly params = new Map<tf.Variable, string>();
  private readonly shapes = new Map<string, number[]>();

  constructor(readonly emitters: OnnxEmitters, root: Module) {
    super();
    for (const [path, m] of root.namedModules()) this.paths.set(m, path);
  }

  /** The module's path in the model (`blocks.0.attn`), `<model>` for the root. */
  pathOf(module: Module): string {
    const p = this.paths.get(module);
    return p === undefined ? `<unnamed ${module.constructor.name}>` : p || '<model>';
  }

  /** Emits `module` on `inputs`; a module class without an emitter stops the export with its path and class. */
  emit(module: Module, inputs: string[]): string[] {
    const emitter = this.emitters.get(module);
    if (!emitter) {
      const cls = module.constructor.name;
      throw new OnnxExportError(
        `cannot export to ONNX: module "${this.pathOf(module)}" is a ${cls}, which has no ONNX emitter. ` +
          `The package that defines ${cls} can provide one (an OnnxPlugin whose register() calls emitters.register(${cls}, emitter, owner)); ` +
          `classes with an emitter: ${this.emitters.classNames().join(', ')}`,
      );
    }
    return emitter(module, inputs, this);
  }

  /** `emit` for a single-input, single-output module. */
  emit1(module: Module, x: string): string {
    const out = this.emit(module, [x]);
    if (out.length !== 1) throw new OnnxExportError(`ONNX emitter of ${module.constructor.name} at "${this.pathOf(module)}" returned ${out.length} outputs, expected 1`);
    return out[0];
  }

  /** The initializer of a parameter (or buffer), added once under `name` (its state-dict name). */
  variable(v: tf.Variable, name: string, layout: Layout = 'as-is'): string {
    const key = this.params.get(v);
    if (key && layout === 'as-is') return key;
    const data = v.dataSync() as Float32Array;
    const out = layout === 'hwio-to-oihw' ? hwioToOihw(data, v.shape) : { data: Float32Array.from(data), dims: [...v.shape] };
    const added = this.initializer(name, out);
    if (layout === 'as-is') this.params.set(v, added);
    return added;
  }

  /** The initializer of a module's parameter, named `<module path>.<member>`. */
  param(owner: Module, member: string, p: Parameter | tf.Variable, layout: Layout = 'as-is'): string {
    const v = p instanceof Parameter ? p.variable : p;
    const base = this.pathOf(owner);
    return this.variable(v, base === '<model>' ? member : `${base}.${member}`, layout);
  }

  /**
   * Records the static dims of a value (0 for the dynamic batch) for emitters that need them, e.g. the spatial
   * size of a feature map that a Visual Transformer tokenizer pools.
   */
  setShape(value: string, dims: number[]): string {
    this.shapes.set(value, dims);
    return value;
  }

  /** Static dims recorded with `setShape`; throws naming the module that needed them when there are none. */
  shapeOf(value: string, module: Module): number[] {
    const s = this.shapes.get(value);
    if (!s) throw new OnnxExportError(`cannot export "${this.pathOf(module)}" (${module.constructor.name}): the static shape of its input is unknown (its parent's emitter must record it with setShape)`);
    return s;
  }

  /** `[B]` (int64, rank 1): the dynamic batch size of `x`. */
  batch(x: string): string {
    return this.op1('Shape', [x], { start: 0, end: 1 }, 'batch');
  }

  /** `x` reshaped; `0` copies the input's dimension (the dynamic batch), `-1` is inferred. */
  reshape(x: string, shape: number[], hint = 'reshape'): string {
    return this.op1('Reshape', [x, this.int64s(shape)], {}, hint);
  }

  transpose(x: string, perm: number[], hint = 'transpose'): string {
    return this.op1('Transpose', [x], { perm }, hint);
  }

  /** Exact GELU `½x(1 + erf(x/√2))` (opset 17 has no Gelu op; onnxruntime fuses this pattern). */
  gelu(x: string, hint = 'gelu'): string {
    const e = this.op1('Erf', [this.op1('Mul', [x, this.scalar(Math.SQRT1_2)])]);
    return this.op1('Mul', [this.op1('Mul', [x, this.scalar(0.5)]), this.op1('Add', [e, this.scalar(1)])], {}, hint);
  }

  /** Tokens `[B, N, C]` → `[B, 1 + N, C]` with a learned `[1, 1, C]` token first, expanded to the batch. */
  prependToken(tokens: string, token: string, hint = 'with_token'): string {
    const shape = this.op1('Concat', [this.batch(tokens), this.int64s([1, 1])], { axis: 0 });
    const expanded = this.op1('Expand', [token, shape]);
    return this.op1('Concat', [expanded, tokens], { axis: 1 }, hint);
  }

  /** `x[:, start:end, ...]` on axis `axis`. */
  slice(x: string, axis: number, start: number, end: number, hint = 'slice'): string {
    return this.op1('Slice', [x, this.int64s([start]), this.int64s([end]), this.int64s([axis])], {}, hint);
  }
}

function hwioToOihw(data: Float32Array, shape: number[]): { data: Float32Array; dims: number[] } {
  const [h, w, i, o] = shape;
  const out = new Float32Array(data.length);
  for (let a = 0; a < h; a++)
    for (let b = 0; b < w; b++)
      for (let c = 0; c < i; c++)
        for (let d = 0; d < o; d++) out[((d * i + c) * h + a) * w + b] = data[((a * w + b) * i + c) * o + d];
  return { data: out, dims: [o, i, h, w] };
}
