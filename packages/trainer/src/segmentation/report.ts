import * as fs from 'fs';
import { tf } from '@vitkit/core';
import type { SegmentationModel } from '@vitkit/core';
import { colorizeMask, encodePng, heatmap, loadSegBatch } from '@vitkit/data';
import type { SegDataset } from '@vitkit/data';
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

/**
 * An HTML page (images inlined) with, for the first `count` test images: the input, the ground truth and the
 * predicted mask side by side (same colours per class, white = ignored); and, when the neck has VT tokenizers, each
 * level's spatial attention per token (VT paper Figure 5; red = high). Scores of the final evaluation on top.
 */
export async function writeSegmentationReport(file: string, model: WithAttention, ds: SegDataset, options: { count?: number; title?: string; scores?: SegmentationEvaluation } = {}): Promise<void> {
  const count = Math.min(options.count ?? 4, ds.length);
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
            for (let p = 0; p < ah * aw; p++) max = Math.max(max, (v[p] = data[((i * ah * aw) + p) * l + t]));
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
  const sc = options.scores;
  const scores = sc
    ? `<p>mIoU ${(sc.mIoU * 100).toFixed(2)} %, pixel accuracy ${(sc.pixelAccuracy * 100).toFixed(2)} % on ${sc.samples} test images.</p><table><tr><th>class</th><th>IoU</th></tr>${sc.perClassIoU
        .map((v, c) => `<tr><td>${escapeHtml(ds.classNames[c] ?? String(c))}</td><td>${v === null ? '–' : (v * 100).toFixed(2)}</td></tr>`)
        .join('')}</table>`
    : '';
  const title = escapeHtml(options.title ?? 'Segmentation report');
  const html = `<!doctype html><meta charset="utf-8"><title>${title}</title><style>
body{font-family:sans-serif;margin:2em} .row{display:flex;gap:1em} figure{margin:0} img{width:192px;image-rendering:pixelated}
img.attn{width:64px;margin-right:4px} section{margin-bottom:2em} td,th{padding:0 1em;text-align:right}</style>
<h1>${title}</h1>${scores}${rows.join('\n')}`;
  fs.writeFileSync(file, html);
}
