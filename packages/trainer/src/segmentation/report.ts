import * as fs from 'fs';
import { tf } from '@vitkit/core';
import type { SegmentationModel } from '@vitkit/core';
import { colorizeMask, encodePng, heatmap, loadSegBatch } from '@vitkit/data';
import type { SegDataset } from '@vitkit/data';
import { lineChart } from '../report';
import type { MetricRecord } from '../report';
import { predictMasks } from './predict';
import type { SegmentationEvaluation } from './evaluate';

async function pngUri(pixels: Uint8Array, w: number, h: number, channels: 1 | 3): Promise<string> {
  return `data:image/png;base64,${(await encodePng(pixels, w, h, channels)).toString('base64')}`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** What `attentionMaps` gives when the model has VT tokenizers (VT-FPN): one `[B, h, w, L]` map per level. */
type WithAttention = SegmentationModel & { attentionMaps?(x: tf.Tensor4D): tf.Tensor4D[] | null };

export interface SegmentationReportOptions {
  /** Test images shown (default 4). */
  count?: number;
  title?: string;
  /** The final evaluation (and that of the EMA weights). */
  scores?: SegmentationEvaluation;
  emaScores?: SegmentationEvaluation;
  /** metrics.jsonl's lines: drawn as loss, mIoU / pixel accuracy and learning-rate curves. */
  records?: MetricRecord[];
  stepsPerEpoch?: number;
  /** Rows of a summary table (spec, model, steps, backend, wall time, …). */
  summary?: Array<[string, string]>;
}

/** The loss, score and learning-rate curves of a run's metric lines. */
function curves(records: MetricRecord[], stepsPerEpoch: number): string {
  const train = records.filter((r) => r.type === 'train');
  const evals = records.filter((r) => r.type === 'eval');
  const ep = (r: MetricRecord) => r.step / Math.max(1, stepsPerEpoch);
  const loss = lineChart('Loss (per labelled pixel)', 'epoch', [
    { name: 'train loss', color: '#1f77b4', points: train.map((r) => [ep(r), r.loss as number]) },
    { name: 'eval loss', color: '#d62728', points: evals.map((r) => [ep(r), r.loss as number]) },
  ]);
  const scores = lineChart(
    'Scores',
    'epoch',
    [
      { name: 'train pixel acc', color: '#1f77b4', points: train.map((r) => [ep(r), r.acc as number]) },
      { name: 'test pixel acc', color: '#2ca02c', points: evals.map((r) => [ep(r), r.pixelAccuracy as number]) },
      { name: 'eval mIoU', color: '#d62728', points: evals.map((r) => [ep(r), r.mIoU as number]) },
    ],
    { percent: true, yMin: 0, yMax: 1 },
  );
  const lr = lineChart('Learning rate', 'epoch', [{ name: 'lr', color: '#9467bd', points: train.map((r) => [ep(r), r.lr as number]) }]);
  return `<div class="row">${loss}${scores}${lr}</div>`;
}

function scoreTable(ds: SegDataset, sc: SegmentationEvaluation, ema?: SegmentationEvaluation): string {
  const head = `<tr><th>class</th><th>IoU</th>${ema ? '<th>IoU (EMA)</th>' : ''}</tr>`;
  const cell = (v: number | null | undefined) => `<td>${v === null || v === undefined ? '–' : (v * 100).toFixed(2)}</td>`;
  const rows = sc.perClassIoU.map((v, c) => `<tr><td>${escapeHtml(ds.classNames[c] ?? String(c))}</td>${cell(v)}${ema ? cell(ema.perClassIoU[c]) : ''}</tr>`).join('');
  const emaLine = ema ? `; EMA weights: mIoU ${(ema.mIoU * 100).toFixed(2)} %, pixel accuracy ${(ema.pixelAccuracy * 100).toFixed(2)} %` : '';
  return `<p>mIoU ${(sc.mIoU * 100).toFixed(2)} %, pixel accuracy ${(sc.pixelAccuracy * 100).toFixed(2)} % on ${sc.samples} test images${emaLine}.</p><table>${head}${rows}</table>`;
}

/** Input, ground truth and prediction of the first `count` images of `ds`, and the VT tokenizers' attention per token. */
async function maskRows(model: WithAttention, ds: SegDataset, count: number): Promise<string[]> {
  if (count === 0) return [];
  const idx = Array.from({ length: count }, (_, i) => i);
  const batch = await loadSegBatch(ds, idx);
  const [h, w] = batch.size;
  const wasTraining = model.training;
  model.eval();
  const rows: string[] = [];
  try {
    const preds = predictMasks(model, batch.x);
    const attention = typeof model.attentionMaps === 'function' ? model.attentionMaps(batch.x) : null;
    for (const i of idx) {
      const s = await ds.get(i);
      const c = ds.shape[2] as 1 | 3;
      const input = Uint8Array.from(s.image, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
      const cells = [
        `<figure><img src="${await pngUri(input, w, h, c)}"><figcaption>input</figcaption></figure>`,
        `<figure><img src="${await pngUri(colorizeMask(s.mask), w, h, 3)}"><figcaption>ground truth</figcaption></figure>`,
        `<figure><img src="${await pngUri(colorizeMask(preds[i]), w, h, 3)}"><figcaption>prediction</figcaption></figure>`,
      ];
      let attn = '';
      if (attention) {
        for (const [level, maps] of attention.entries()) {
          const [, ah, aw, l] = maps.shape;
          const data = maps.dataSync();
          const tokens: string[] = [];
          for (let t = 0; t < l; t++) {
            const v = new Float32Array(ah * aw);
            let max = 0;
            for (let p = 0; p < ah * aw; p++) max = Math.max(max, (v[p] = data[(i * ah * aw + p) * l + t]));
            for (let p = 0; p < v.length; p++) v[p] = max > 0 ? v[p] / max : 0;
            tokens.push(`<img class="attn" src="${await pngUri(heatmap(v), aw, ah, 3)}" title="level ${level}, token ${t}">`);
          }
          attn += `<div class="level">level ${level} (${ah}×${aw}): ${tokens.join('')}</div>`;
        }
      }
      rows.push(`<section><div class="row">${cells.join('')}</div>${attn ? `<h3>VT tokenizer spatial attention per token</h3>${attn}` : ''}</section>`);
    }
    tf.dispose(attention ?? []);
  } finally {
    batch.x.dispose();
    model.train(wasTraining);
  }
  return rows;
}

/**
 * An HTML page (images inlined) with, for the first `count` test images: the input, the ground truth and the
 * predicted mask side by side (same colours per class, white = ignored); and, when the neck has VT tokenizers, each
 * level's spatial attention per token (VT paper Figure 5; red = high). Scores of the final evaluation on top, then
 * the training curves when `records` are given.
 */
export async function writeSegmentationReport(file: string, model: WithAttention, ds: SegDataset, options: SegmentationReportOptions = {}): Promise<void> {
  const rows = await maskRows(model, ds, Math.min(options.count ?? 4, ds.length));
  const summary = options.summary?.length ? `<table>${options.summary.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>` : '';
  const scores = options.scores ? scoreTable(ds, options.scores, options.emaScores) : '';
  const charts = options.records?.length ? curves(options.records, options.stepsPerEpoch ?? 1) : '';
  const title = escapeHtml(options.title ?? 'Segmentation report');
  const html = `<!doctype html><meta charset="utf-8"><title>${title}</title><style>
body{font-family:sans-serif;margin:2em} .row{display:flex;flex-wrap:wrap;gap:1em} figure{margin:0} img{width:192px;image-rendering:pixelated}
img.attn{width:64px;margin-right:4px} section{margin-bottom:2em} td,th{padding:0 1em;text-align:right}</style>
<h1>${title}</h1>${summary}${scores}${charts}${rows.join('\n')}`;
  await fs.promises.writeFile(file, html);
}
