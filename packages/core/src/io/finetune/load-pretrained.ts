import type { Module } from '../../nn/module';
import type { WeightsChoice } from '../pth/checkpoint-layout';
import type { HostTensor, TensorMap } from '../safetensors-format';
import { loadStateDict } from '../state-dict';
import type { StateDictAdapter } from '../state-dict';
import type { FinetuneLayout } from './layouts';
import { DEFAULT_FINETUNE_LAYOUT } from './layouts';
import { resizePosEmbedTo } from './resize-pos-embed';

export interface PretrainedOptions {
  /** Which weights of a training checkpoint (default `auto`; see {@link WeightsChoice}). */
  weights?: WeightsChoice;
  /**
   * Default true: every model tensor must be loaded, reset (head) or resized (position table), and every tensor of
   * the file used (its old head aside). False: what does not fit keeps the model's initialisation and is reported.
   */
  strict?: boolean;
  /** Head and position-table names (default: the names timm and the official repositories use). */
  layout?: FinetuneLayout;
  /** Names the source in messages. */
  source?: string;
}

export interface PretrainedReport {
  source: string;
  /** The checkpoint entry the weights came from, when the file is a training checkpoint. */
  entry: string | null;
  /** Copied as they are. */
  loaded: string[];
  /** Classifier tensors whose shape changed (another class count): the model keeps its fresh initialisation. */
  reset: Array<{ name: string; from: number[] | null; to: number[] }>;
  /** Position tables resized bicubically to the model's grid. */
  resized: Array<{ name: string; from: number[]; to: number[] }>;
  /** Tensors of the file the model has no use for. */
  leftOut: string[];
  /** Model tensors the file has no (fitting) value for; they keep their initialisation (non-strict only). */
  missing: string[];
}

export class PretrainedError extends Error {
  constructor(
    readonly report: PretrainedReport,
    readonly mismatched: string[],
  ) {
    const parts = [`pretrained weights from ${report.source} do not fit the model:`];
    const total = report.loaded.length + report.reset.length + report.resized.length + report.missing.length + mismatched.length;
    if (report.loaded.length < total / 2) parts.push(`  only ${report.loaded.length} of the model's ${total} tensors fit: it looks like a checkpoint for another architecture or width`);
    if (report.missing.length) parts.push(`  not in the file (${report.missing.length}): ${report.missing.join(', ')}`);
    if (mismatched.length) parts.push(`  wrong shape (${mismatched.length}): ${mismatched.join('; ')}`);
    if (report.leftOut.length) parts.push(`  not in the model (${report.leftOut.length}): ${report.leftOut.join(', ')}`);
    parts.push('  (set "strict": false to load what fits and keep the rest as initialised)');
    super(parts.join('\n'));
    this.name = 'PretrainedError';
  }
}

function hasAdapter(m: Module): m is Module & StateDictAdapter {
  return typeof (m as Partial<StateDictAdapter>).adaptStateDictKey === 'function';
}

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Fine-tuning load (timm's `load_pretrained`, the official T2T-ViT `load_for_transfer_learning`): copies what fits,
 * resets the head when the class count differs, resizes position tables when the image size differs. Nothing is
 * assigned unless the whole check passes (strict), so a refused file leaves the model untouched.
 */
export function loadPretrained(model: Module, tensors: TensorMap, options: PretrainedOptions & { entry?: string | null } = {}): PretrainedReport {
  const layout = options.layout ?? DEFAULT_FINETUNE_LAYOUT;
  const strict = options.strict ?? true;
  const adapt = hasAdapter(model) ? (k: string) => model.adaptStateDictKey(k) : (k: string) => k;
  const incoming = new Map<string, HostTensor>();
  for (const [k, v] of tensors) if (!k.startsWith('__') && !k.endsWith('num_batches_tracked')) incoming.set(adapt(k), v);

  const report: PretrainedReport = { source: options.source ?? 'state dict', entry: options.entry ?? null, loaded: [], reset: [], resized: [], leftOut: [], missing: [] };
  const mismatched: string[] = [];
  const assign: TensorMap = new Map();
  const used = new Set<string>();
  const targets: Array<[string, number[]]> = [
    ...model.namedParameters().map(([n, p]): [string, number[]] => [n, p.torchShape]),
    ...model.namedBuffers().map(([n, b]): [string, number[]] => [n, b.shape]),
  ];
  for (const [name, shape] of targets) {
    const t = incoming.get(name);
    if (t) used.add(name);
    if (t && same(t.shape, shape)) {
      assign.set(name, t);
      report.loaded.push(name);
    } else if (layout.head.test(name)) {
      report.reset.push({ name, from: t ? [...t.shape] : null, to: shape });
    } else if (!t) {
      report.missing.push(name);
    } else if (layout.posEmbed.test(name) && t.shape.length === 3 && shape.length === 3 && t.shape[2] === shape[2]) {
      assign.set(name, resizePosEmbedTo(t, shape, layout.prefixTokens, `${report.source}: ${name}`));
      report.resized.push({ name, from: [...t.shape], to: shape });
    } else {
      mismatched.push(`${name}: file [${t.shape}] vs model [${shape}]`);
      report.missing.push(name);
    }
  }
  report.leftOut = [...incoming.keys()].filter((k) => !used.has(k));
  if (strict && (report.missing.length || report.leftOut.length)) {
    throw new PretrainedError({ ...report, missing: report.missing.filter((m) => !mismatched.some((x) => x.startsWith(`${m}:`))) }, mismatched);
  }
  loadStateDict(model, assign, { strict: false, source: report.source });
  return report;
}

/** The report as the lines the CLI and the trainer print. */
export function describePretrained(r: PretrainedReport): string[] {
  const lines = [`pretrained: ${r.loaded.length} tensors loaded from ${r.source}${r.entry ? ` (entry "${r.entry}")` : ''}`];
  if (r.reset.length) lines.push(`  reset (new head): ${r.reset.map((x) => `${x.name} ${x.from ? `[${x.from}]` : '(absent)'} → [${x.to}]`).join(', ')}`);
  if (r.resized.length) lines.push(`  resized (bicubic): ${r.resized.map((x) => `${x.name} [${x.from}] → [${x.to}]`).join(', ')}`);
  if (r.leftOut.length) lines.push(`  left out (not in the model): ${r.leftOut.join(', ')}`);
  if (r.missing.length) lines.push(`  kept as initialised (not in the file or another shape): ${r.missing.join(', ')}`);
  return lines;
}
