import { tf } from '@vitkit/core';
import type { ImageClassifier } from '@vitkit/core';
import type * as Explain from '@vitkit/explain';
import type * as ExplainNode from '@vitkit/explain/node';
import type { BatchSource } from '../loop/batch-source';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export interface AttentionPicturesInput {
  model: ImageClassifier;
  /** Where the pictured images come from (the test set, else the evaluated set): its first batch. */
  source: BatchSource;
  /** The normalisation the loader applied, to show the images as they were. */
  normalize: { mean: number[]; std: number[] };
  classNames: readonly string[];
  /** How many images (default 4). */
  count?: number;
}

/**
 * @vitkit/explain with its PNG encoder, or why not. An optional peer of the trainer: a run without it still writes
 * its report, with a line saying how to get the pictures.
 */
function explainPackages(): { explain: typeof Explain; node: typeof ExplainNode } | string {
  try {
    return { explain: require('@vitkit/explain') as typeof Explain, node: require('@vitkit/explain/node') as typeof ExplainNode };
  } catch (e) {
    return `attention pictures need @vitkit/explain (npm install @vitkit/explain sharp): ${(e as Error).message.split('\n')[0]}`;
  }
}

/**
 * The report's "What the model looks at" section: a few held-out images, each with its attention rollout (one
 * overlay per CrossViT branch; VT-ResNet: each visual token's tokenizer attention), the true and the predicted class.
 * A model without attention, or a missing @vitkit/explain, gives a one-line note instead.
 */
export async function attentionPicturesHtml(input: AttentionPicturesInput): Promise<string> {
  const title = '<h2>What the model looks at</h2>';
  const packages = explainPackages();
  if (typeof packages === 'string') return `${title}<p class="note">${esc(packages)}</p>`;
  const { explain, node } = packages;
  const { model, classNames } = input;
  const count = input.count ?? 4;
  const wasTraining = model.training;
  model.eval();
  const figures: string[] = [];
  try {
    for await (const b of input.source.iterate({ epoch: 0, batch: 0 })) {
      try {
        const [, h, w, c] = b.x.shape;
        const n = Math.min(count, b.x.shape[0]);
        const pixels = (await b.x.data()) as Float32Array;
        const predicted = tf.tidy(() => tf.argMax(model.forward(b.x.slice(0, n)), -1));
        const pred = await predicted.data();
        predicted.dispose();
        for (let i = 0; i < n; i++) {
          const data = pixels.slice(i * h * w * c, (i + 1) * h * w * c);
          let picture: Explain.Explanation;
          try {
            picture = await explain.explainImage(model, { data, height: h, width: w, channels: c, mean: input.normalize.mean, std: input.normalize.std });
          } catch (e) {
            if (!(e as Error).message.includes(explain.noAttentionMessage(model))) throw e;
            return `${title}<p class="note">${esc(explain.noAttentionMessage(model))}.</p>`;
          }
          const png = await node.encodePng(picture.image);
          const label = (k: number) => classNames[k] ?? String(k);
          const caption = `true ${label(b.labels[i])}, predicted ${label(pred[i])}${b.labels[i] === pred[i] ? '' : ' (wrong)'}`;
          figures.push(
            `<figure><img class="attn" alt="${esc(caption)}" src="data:image/png;base64,${png.toString('base64')}" width="${picture.image.width * scaleFor(picture.image.width)}"><figcaption>${esc(caption)}<br><small>${esc(picture.rows.join('; '))}</small></figcaption></figure>`,
          );
        }
      } finally {
        b.x.dispose();
        b.y?.dispose();
      }
      break;
    }
  } finally {
    model.train(wasTraining);
  }
  return `${title}<p>Left: the image as the model saw it; right: heat maps of where it looks (attention rollout, Abnar &amp; Zuidema 2020; VT-ResNet: each visual token's spatial attention).</p><div class="row">${figures.join('')}</div>`;
}

/** Small images (MNIST's 28–32 px) are drawn larger, pixelated, so the maps can be read. */
function scaleFor(width: number): number {
  return width >= 192 ? 1 : Math.max(1, Math.floor(192 / width));
}
