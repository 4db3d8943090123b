import type { RgbaImage } from './compose';

/**
 * A normalised model input (HWC float32, `(pixel/255 − mean)/std` per channel) back as the opaque RGBA image the
 * model saw: cropped and resized as the eval transform left it, so a heatmap over the patch grid lines up with it.
 * One channel is shown as grey.
 */
export function inputToRgba(hwc: ArrayLike<number>, height: number, width: number, channels: number, mean: readonly number[], std: readonly number[]): RgbaImage {
  if (hwc.length !== height * width * channels) throw new Error(`inputToRgba: ${hwc.length} values for a ${height}×${width}×${channels} image`);
  if (channels !== 1 && channels !== 3) throw new Error(`inputToRgba: ${channels} channels; only 1 (grey) or 3 (RGB) can be shown`);
  if (mean.length !== channels || std.length !== channels) throw new Error(`inputToRgba: mean/std have ${mean.length}/${std.length} values for ${channels} channels`);
  const rgba = new Uint8ClampedArray(height * width * 4);
  for (let p = 0; p < height * width; p++) {
    for (let c = 0; c < 3; c++) {
      const k = channels === 1 ? 0 : c;
      rgba[4 * p + c] = Math.round(255 * (hwc[p * channels + k] * std[k] + mean[k]));
    }
    rgba[4 * p + 3] = 255;
  }
  return { rgba, width, height };
}

/** The L per-channel maps of an `H × W × L` (HWC) array, each `H × W` row-major: VT tokenizers' per-token attention. */
export function splitChannels(hwl: ArrayLike<number>, height: number, width: number, channels: number): Float32Array[] {
  if (hwl.length !== height * width * channels) throw new Error(`splitChannels: ${hwl.length} values for ${height}×${width}×${channels}`);
  return Array.from({ length: channels }, (_, l) => {
    const out = new Float32Array(height * width);
    for (let p = 0; p < height * width; p++) out[p] = hwl[p * channels + l];
    return out;
  });
}
