import { jet } from './colormap';

/**
 * `map` (`gridH × gridW`, row-major) upsampled bilinearly to `width × height` (pixel centres, edges clamped, as
 * align_corners=False) and min-max normalised to [0, 1].
 */
export function upsampleBilinear(map: ArrayLike<number>, gridH: number, gridW: number, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(gridH - 1, Math.max(0, ((y + 0.5) * gridH) / height - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(gridH - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = Math.min(gridW - 1, Math.max(0, ((x + 0.5) * gridW) / width - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(gridW - 1, x0 + 1);
      const fx = sx - x0;
      const top = map[y0 * gridW + x0] * (1 - fx) + map[y0 * gridW + x1] * fx;
      const bottom = map[y1 * gridW + x0] * (1 - fx) + map[y1 * gridW + x1] * fx;
      out[y * width + x] = top * (1 - fy) + bottom * fy;
    }
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of out) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  // A flat map carries no location: all zeros (the coldest colour) rather than a division by zero.
  const range = hi - lo;
  for (let i = 0; i < out.length; i++) out[i] = range > 0 ? (out[i] - lo) / range : 0;
  return out;
}

/**
 * The image with a heatmap of `map` (`gridH × gridW` scores, row-major, e.g. an attention rollout) blended over it:
 * the map is upsampled bilinearly to the image, min-max normalised, coloured with a jet-like colormap and mixed in
 * with weight `alpha` (0 = the image, 1 = the heatmap only). Returns opaque RGBA pixels. Runs anywhere (no Node APIs).
 */
export function heatmapOverlay(
  imageRGBA: ArrayLike<number>,
  width: number,
  height: number,
  map: ArrayLike<number>,
  gridH: number,
  gridW: number,
  alpha = 0.5,
): Uint8ClampedArray {
  for (const [name, v] of [['width', width], ['height', height], ['gridH', gridH], ['gridW', gridW]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`heatmapOverlay: ${name} must be a positive integer, got ${v}`);
  }
  if (imageRGBA.length !== width * height * 4) {
    throw new Error(`heatmapOverlay: imageRGBA has ${imageRGBA.length} values, a ${width}×${height} RGBA image has ${width * height * 4}`);
  }
  if (map.length !== gridH * gridW) throw new Error(`heatmapOverlay: map has ${map.length} values, a ${gridH}×${gridW} grid has ${gridH * gridW}`);
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`heatmapOverlay: alpha must be in [0, 1], got ${alpha}`);
  const heat = upsampleBilinear(map, gridH, gridW, width, height);
  const out = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < heat.length; p++) {
    const colour = jet(heat[p]);
    for (let c = 0; c < 3; c++) out[4 * p + c] = (1 - alpha) * imageRGBA[4 * p + c] + alpha * colour[c];
    out[4 * p + 3] = 255;
  }
  return out;
}
