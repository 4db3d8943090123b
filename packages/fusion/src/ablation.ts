import { buildModel, countMacs, Registry, tf } from '@vitkit/core';

/** The fusions of paper Table 6, in its row order. */
export const FUSION_NAMES = ['none', 'all-attention', 'class-token', 'pairwise', 'cross-attention'] as const;

/** Paper Table 6 (CrossViT-S): FLOPs (G, = MACs) and params (M) as printed. */
export const TABLE6_PAPER: Record<(typeof FUSION_NAMES)[number], { gflops: number; paramsM: number; top1: number }> = {
  none: { gflops: 5.3, paramsM: 23.7, top1: 80.2 },
  'all-attention': { gflops: 7.6, paramsM: 27.7, top1: 80.0 },
  'class-token': { gflops: 5.4, paramsM: 24.2, top1: 80.3 },
  pairwise: { gflops: 5.5, paramsM: 24.2, top1: 80.3 },
  'cross-attention': { gflops: 5.6, paramsM: 26.7, top1: 81.0 },
};

export interface FusionAblationRow {
  fusion: string;
  /** Total parameters of the model built with this fusion. */
  params: number;
  /** Multiply-accumulates of one forward pass (matmuls + convs, attention included) at the reference input. */
  macs: number;
  paper: { gflops: number; paramsM: number };
}

export interface FusionAblationOptions {
  /** Model the fusions are swapped into (default CrossViT-S, like the paper). */
  base?: string;
  /** Input `[C, H, W]`; default the preset's reference input, else its model input size. */
  input?: [number, number, number];
  fusions?: readonly string[];
}

/**
 * Paper Table 6 recomputed: builds the base model (CrossViT-S) once per fusion, counts its parameters and
 * the MACs of one batch-1 forward. Needs a registry with the dual-branch backbone, the tokenizers and this
 * plugin. Each model is disposed before the next one is built.
 */
export function fusionAblation(registry: Registry, options: FusionAblationOptions = {}): FusionAblationRow[] {
  const base = options.base ?? 'crossvit_small_240';
  const preset = registry.preset(base);
  const rows: FusionAblationRow[] = [];
  for (const fusion of options.fusions ?? FUSION_NAMES) {
    const model = buildModel(registry, { preset: base, fusion });
    try {
      model.eval();
      const [c, h, w] = options.input ?? preset?.referenceInput ?? [model.config.inChans, ...model.config.inputSize];
      const { total } = model.countParameters();
      const { macs } = countMacs(() => tf.tidy(() => model.forward(tf.zeros([1, h, w, c]) as tf.Tensor4D)).dispose());
      const paper = TABLE6_PAPER[fusion as keyof typeof TABLE6_PAPER] ?? { gflops: NaN, paramsM: NaN };
      rows.push({ fusion, params: total, macs: macs.total, paper: { gflops: paper.gflops, paramsM: paper.paramsM } });
    } finally {
      model.dispose();
    }
  }
  return rows;
}

/** Renders the rows as a text table like paper Table 6. */
export function formatFusionAblation(rows: FusionAblationRow[]): string {
  const lines = ['fusion            params (M)  GMACs   | paper params (M)  paper GFLOPs'];
  for (const r of rows) {
    lines.push(
      `${r.fusion.padEnd(16)}  ${(r.params / 1e6).toFixed(2).padStart(10)}  ${(r.macs / 1e9).toFixed(3).padStart(6)}  | ${String(r.paper.paramsM).padStart(16)}  ${String(r.paper.gflops).padStart(12)}`,
    );
  }
  return lines.join('\n');
}
