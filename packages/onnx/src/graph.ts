import { onnx } from 'onnx-proto';

/** ONNX opset the exporter targets: 17 is the first with `LayerNormalization`; onnxruntime 1.14+ runs it. */
export const OPSET = 17;

/** An attribute: an integer, a list of integers, a string, or `{ float }` / `{ floats }` for real values. */
export type AttributeValue = number | number[] | string | { float: number } | { floats: number[] };

/** Float data of an initializer and its dimensions. */
export interface FloatTensorData {
  data: Float32Array;
  dims: number[];
}

/**
 * Builds one ONNX graph: nodes in topological order (each emitter appends after its inputs exist), initializers
 * and value names. Every value name is unique; names carry the module path they were emitted for, so an
 * onnxruntime error or a Netron view points back at the vitkit module.
 */
export class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private readonly names = new Set<string>();
  private readonly constants = new Map<string, string>();
  private counter = 0;

  /** A fresh value name starting with `hint`. */
  fresh(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_.:/-]/g, '_') || 'v';
    let name = base;
    while (this.names.has(name)) name = `${base}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  /** Adds a float initializer (a parameter under its state-dict name, or a derived constant). */
  initializer(name: string, t: FloatTensorData): string {
    const size = t.dims.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) throw new Error(`initializer ${name}: ${t.data.length} values do not fill dims [${t.dims}]`);
    const unique = this.fresh(name);
    this.initializers.push({ name: unique, dataType: onnx.TensorProto.DataType.FLOAT, dims: t.dims, rawData: rawBytes(t.data) });
    return unique;
  }

  /** An int64 constant (shapes, axes, split sizes), shared by every node that uses the same values. */
  int64s(values: number[]): string {
    const key = `i64:${values.join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.fresh(`const_i64_${values.join('_').replace(/-/g, 'm')}`);
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dataType: onnx.TensorProto.DataType.INT64, dims: [values.length], rawData: rawBytes(data) });
    this.constants.set(key, name);
    return name;
  }

  /** A float scalar constant (rank 0), shared by value. */
  scalar(value: number): string {
    const key = `f32:${value}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.initializer(`const_f32_${this.constants.size}`, { data: Float32Array.of(value), dims: [] });
    this.constants.set(key, name);
    return name;
  }

  /** Appends a node; returns its output names (`outputs` of them). */
  op(opType: string, inputs: string[], attrs: Record<string, AttributeValue> = {}, hint = opType, outputs = 1): string[] {
    const outs = Array.from({ length: outputs }, (_, i) => this.fresh(outputs === 1 ? hint : `${hint}_${i}`));
    this.nodes.push({
      name: this.fresh(`node:${hint}`),
      opType,
      input: inputs,
      output: outs,
      attribute: Object.entries(attrs).map(([name, v]) => attribute(name, v)),
    });
    return outs;
  }

  /** `op` with exactly one output. */
  op1(opType: string, inputs: string[], attrs: Record<string, AttributeValue> = {}, hint = opType): string {
    return this.op(opType, inputs, attrs, hint, 1)[0];
  }
}

function rawBytes(a: Float32Array | BigInt64Array): Uint8Array {
  // ONNX raw_data is little-endian; so are the typed arrays on every platform Node supports.
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

function attribute(name: string, v: AttributeValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  return { name, type: T.FLOAT, f: v.float };
}
