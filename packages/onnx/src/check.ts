import { onnx } from 'onnx-proto';
import { OPSET } from './graph';

/**
 * The ONNX operators (default domain) the exporter may use, each in its opset-17 form: the checker refuses anything
 * else, so an emitter cannot slip in an op that onnxruntime (or onnxruntime-web) would not run at this opset.
 */
export const STANDARD_OPS: ReadonlySet<string> = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Sum', 'Max', 'Min', 'Exp', 'Erf', 'Relu', 'Sigmoid', 'Sqrt', 'Pow', 'Neg',
  'MatMul', 'Gemm', 'Conv', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'Pad',
  'Softmax', 'LayerNormalization', 'BatchNormalization',
  'Reshape', 'Transpose', 'Split', 'Concat', 'Slice', 'Gather', 'Expand', 'Shape', 'Flatten', 'Squeeze', 'Unsqueeze',
  'ReduceMean', 'ReduceSum', 'Identity', 'Tile', 'Where', 'Equal', 'Cast', 'ArgMax', 'Constant',
]);

/** A structural defect of a graph, with the node or value it concerns. */
export class OnnxCheckError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid ONNX graph:\n  ${problems.join('\n  ')}`);
    this.name = 'OnnxCheckError';
  }
}

const ELEMENT_BYTES: Partial<Record<number, number>> = { [onnx.TensorProto.DataType.FLOAT]: 4, [onnx.TensorProto.DataType.INT64]: 8 };

/**
 * Checker-style validation (what `onnx.checker.check_model` checks structurally): an opset import for the default
 * domain at the exporter's opset, IR version set, unique value names, every node input defined before it is used
 * (graph input, initializer or an earlier node's output: topological order), only standard ops, initializer sizes
 * consistent with their dims and element type, and every graph output produced. Throws `OnnxCheckError` listing all.
 */
export function checkModel(model: onnx.IModelProto): void {
  const problems: string[] = [];
  const opset = (model.opsetImport ?? []).find((o) => !o.domain);
  if (!opset) problems.push('no opset import for the default ONNX domain');
  else if (Number(opset.version) !== OPSET) problems.push(`default-domain opset is ${opset.version}, expected ${OPSET}`);
  if (!model.irVersion) problems.push('ir_version is not set');
  const g = model.graph;
  if (!g) throw new OnnxCheckError([...problems, 'the model has no graph']);
  const defined = new Set<string>();
  const define = (name: string, where: string) => {
    if (!name) problems.push(`${where}: empty value name`);
    else if (defined.has(name)) problems.push(`${where}: value "${name}" is defined twice`);
    else defined.add(name);
  };
  for (const v of g.input ?? []) define(v.name ?? '', 'graph input');
  for (const t of g.initializer ?? []) {
    define(t.name ?? '', 'initializer');
    const count = (t.dims ?? []).reduce<number>((a, b) => a * Number(b), 1);
    const bytes = ELEMENT_BYTES[t.dataType ?? -1];
    if (bytes === undefined) problems.push(`initializer "${t.name}": element type ${t.dataType} is not float32 or int64`);
    else if ((t.rawData?.length ?? 0) !== count * bytes) problems.push(`initializer "${t.name}": ${t.rawData?.length ?? 0} bytes for dims [${t.dims}] (${count * bytes} expected)`);
  }
  (g.node ?? []).forEach((n, i) => {
    const where = `node ${i} (${n.opType} "${n.name}")`;
    if (!STANDARD_OPS.has(n.opType ?? '')) problems.push(`${where}: op ${n.opType} is not in the exporter's opset-${OPSET} op list`);
    if (n.domain) problems.push(`${where}: domain "${n.domain}" is not the default domain`);
    for (const input of n.input ?? []) if (input && !defined.has(input)) problems.push(`${where}: input "${input}" is not defined before the node`);
    for (const output of n.output ?? []) define(output, where);
  });
  for (const v of g.output ?? []) if (!defined.has(v.name ?? '')) problems.push(`graph output "${v.name}" is not produced by any node`);
  if (problems.length) throw new OnnxCheckError(problems);
}
