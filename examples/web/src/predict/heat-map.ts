import type { EvalTransform } from '@vitkit/core';
import type { AttentionGrid } from './attention-rollout';

/**
 * Draws the part of `image` the model saw (the transform's center crop) on `canvas`, and the attention grid over it
 * in red, stretched with bilinear smoothing: transparent on the least attended patch, most opaque on the most attended.
 */
export function drawHeatMap(canvas: HTMLCanvasElement, image: HTMLImageElement, transform: EvalTransform, map: AttentionGrid): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('attention canvas: no 2D context');
  const { naturalWidth: w, naturalHeight: h } = image;
  const side = (Math.min(w, h) * transform.crop) / transform.resize;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(image, (w - side) / 2, (h - side) / 2, side, side, 0, 0, canvas.width, canvas.height);

  // Stretched from the least to the most attended patch: an untrained model's nearly even attention still shows its
  // pattern (the caption says the colours are relative).
  const low = Math.min(...map.values);
  const span = Math.max(...map.values) - low || 1;
  const cells = new ImageData(map.cols, map.rows);
  map.values.forEach((v, i) => cells.data.set([255, 0, 0, Math.round((200 * (v - low)) / span)], i * 4));
  const small = document.createElement('canvas');
  small.width = map.cols;
  small.height = map.rows;
  small.getContext('2d')?.putImageData(cells, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}
