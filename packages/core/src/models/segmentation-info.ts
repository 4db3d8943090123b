import { tf } from '../tf';
import { countMacs } from '../ops/macs';
import type { Neck, SegmentationModel } from '../registry/kinds';
import type { Registry } from '../registry/registry';
import { buildSegmenter, ModelSpec, resolveModelSpec } from '../spec/model-spec';

/** Multiply-accumulates of one forward pass, split by part. */
export interface SegmentationMacs {
  backbone: number;
  neck: number;
  head: number;
  total: number;
}

export interface SegmentationInfo {
  type: string;
  preset?: string;
  paramsTotal: number;
  paramsTrainable: number;
  /** Parameters of each part (backbone, neck, seg head). */
  params: { backbone: number; neck: number; head: number };
  /** MACs of all matmuls and convolutions at `input`, batch 1 (the papers' "FLOPs"). */
  macs: SegmentationMacs;
  /** `[C, H, W]` the MACs are for. */
  input: [number, number, number];
  numClasses: number;
  /**
   * `forward`: counted on a real forward pass at `input`. `extrapolated`: counted on real forward passes at three
   * small sizes that are multiples of the largest stride, where every map is exactly 1/stride of the input so the
   * count is affine in the pixel count (checked on the three points), then evaluated at `input`.
   */
  method: 'forward' | 'extrapolated';
}

/** MACs of each part on a real batch-1 forward at `h × w` (eval mode). */
export function countSegmentationMacs(model: SegmentationModel, h: number, w: number): SegmentationMacs {
  const parts = { backbone: 0, neck: 0, head: 0 };
  tf.tidy(() => {
    const x = tf.zeros([1, h, w, model.config.inChans]) as tf.Tensor4D;
    const b = countMacs(() => model.backbone.forwardFeatureMaps(x));
    const n = countMacs(() => model.neck.forward(b.result) as tf.Tensor4D[]);
    const hd = countMacs(() => model.segHead.forward(n.result, [h, w]));
    hd.result.dataSync();
    parts.backbone = b.macs.total;
    parts.neck = n.macs.total;
    parts.head = hd.macs.total;
  });
  return { ...parts, total: parts.backbone + parts.neck + parts.head };
}

/**
 * A MAC count at `h × w` from counts at small sizes, for `h` and `w` multiples of the largest feature stride `unit`:
 * there each level is exactly `(h/s) × (w/s)`, so convolutions and per-pixel projections scale with the pixel count
 * and token-space work (the VT transformer) is constant. `count` runs at `unit × unit`, `2unit × unit` and
 * `2unit × 2unit`; the three points must lie on a line (checked, per entry) before the count is evaluated at `h × w`.
 * Null when the sizes do not allow it or the check fails (then count on a real forward at `h × w`).
 */
export function extrapolateMacs<K extends string>(count: (h: number, w: number) => Record<K, number>, h: number, w: number, unit: number): Record<K, number> | null {
  if (h % unit !== 0 || w % unit !== 0) return null;
  const m1 = count(unit, unit);
  const m2 = count(2 * unit, unit);
  const m4 = count(2 * unit, 2 * unit);
  const scale = (h * w) / (unit * unit);
  const out = {} as Record<K, number>;
  for (const k of Object.keys(m1) as K[]) {
    const slope = m2[k] - m1[k];
    if (m4[k] - m2[k] !== 2 * slope) return null;
    out[k] = m1[k] + slope * (scale - 1);
  }
  return out;
}

/** The per-part count of `model` at `h × w`, extrapolated from small sizes where possible (see `extrapolateMacs`). */
export function extrapolateSegmentationMacs(model: SegmentationModel, h: number, w: number): SegmentationMacs | null {
  return extrapolateMacs((hh, ww) => countSegmentationMacs(model, hh, ww), h, w, Math.max(...model.backbone.featureStrides));
}

/** MACs of a neck alone on zero feature maps of an `h × w` image (levels of `channels` at `strides`), batch 1. */
export function countNeckMacs(neck: Neck, channels: readonly number[], strides: readonly number[], h: number, w: number): number {
  return tf.tidy(() => {
    const maps = channels.map((c, i) => tf.zeros([1, Math.ceil(h / strides[i]), Math.ceil(w / strides[i]), c]));
    return countMacs(() => neck.forward(maps)).macs.total;
  });
}

/**
 * MACs of a neck alone at an `h × w` image (batch 1): what the VT paper's "FPN FLOPs" column counts. Needs only the
 * neck and its backbone's level channels and strides, so a big backbone need not be built to compare necks.
 */
export function neckMacs(neck: Neck, channels: readonly number[], strides: readonly number[], h: number, w: number): number {
  const wasTraining = neck.training;
  neck.eval();
  try {
    const count = (hh: number, ww: number) => ({ neck: countNeckMacs(neck, channels, strides, hh, ww) });
    return (extrapolateMacs(count, h, w, Math.max(...strides)) ?? count(h, w)).neck;
  } finally {
    neck.train(wasTraining);
  }
}

/**
 * Parameter counts and MACs (whole model and per part: backbone, neck, seg head) of a segmentation model at a chosen
 * input (default the model's own size), so a paper's table (VT paper Table 9: 800×1216) can be put side by side.
 */
export function segmentationInfo(registry: Registry, spec: ModelSpec, options: { input?: [number, number, number] } = {}): SegmentationInfo {
  const presetName = typeof spec === 'string' ? spec : 'preset' in spec && typeof spec.preset === 'string' ? spec.preset : undefined;
  const preset = presetName ? registry.preset(presetName) : undefined;
  const resolved = resolveModelSpec(registry, spec);
  const model = buildSegmenter(registry, resolved);
  try {
    model.eval();
    const [h0, w0] = model.config.inputSize;
    const input = options.input ?? [model.config.inChans, h0, w0];
    if (input[0] !== model.config.inChans) throw new Error(`segmentationInfo: the model reads ${model.config.inChans} channels, input asks for ${input[0]}`);
    const extrapolated = extrapolateSegmentationMacs(model, input[1], input[2]);
    const macs = extrapolated ?? countSegmentationMacs(model, input[1], input[2]);
    const counts = model.countParameters();
    return {
      type: resolved.type,
      preset: preset?.name,
      paramsTotal: counts.total,
      paramsTrainable: counts.trainable,
      params: { backbone: model.backbone.countParameters().total, neck: model.neck.countParameters().total, head: model.segHead.countParameters().total },
      macs,
      input,
      numClasses: model.config.numClasses,
      method: extrapolated ? 'extrapolated' : 'forward',
    };
  } finally {
    model.dispose();
  }
}

const g = (v: number) => `${(v / 1e9).toFixed(2)} G`;
const m = (v: number) => `${(v / 1e6).toFixed(2)} M`;

/** `vitkit info`'s text for a segmentation model: parameters and MACs, whole model and per part. */
export function formatSegmentationInfo(info: SegmentationInfo, name = info.preset ?? info.type): string {
  const { macs, params } = info;
  return (
    `${name} (${info.type}, ${info.numClasses} classes)\n` +
    `  parameters: ${m(info.paramsTotal)} total, ${m(info.paramsTrainable)} trainable (backbone ${m(params.backbone)}, neck ${m(params.neck)}, head ${m(params.head)})\n` +
    `  MACs:       ${g(macs.total)} at ${info.input.join('x')} = backbone ${g(macs.backbone)} + neck ${g(macs.neck)} + head ${g(macs.head)}` +
    ` (matmul + conv; ${info.method === 'extrapolated' ? 'counted on small forwards, extrapolated exactly' : 'counted on a forward at that size'})\n`
  );
}
