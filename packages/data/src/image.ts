/** Host-side image helpers. Images are HWC `Float32Array`s, values nominally in [0, 1] before normalisation. */

export interface HostImage {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
}

export function makeImage(height: number, width: number, channels: number, data?: Float32Array): HostImage {
  const n = height * width * channels;
  if (data && data.length !== n) {
    throw new Error(`image data has ${data.length} values; expected ${height}x${width}x${channels} = ${n}`);
  }
  return { data: data ?? new Float32Array(n), height, width, channels };
}

/** `size` as `[height, width]`. */
export function sizePair(size: number | readonly number[]): [number, number] {
  if (typeof size === 'number') return [size, size];
  if (size.length === 1) return [size[0], size[0]];
  return [size[0], size[1]];
}

/** Source coordinate table for half-pixel bilinear sampling (PyTorch `align_corners=False`, no antialias). */
function axisTable(outSize: number, start: number, length: number, inSize: number): { i0: Int32Array; i1: Int32Array; f: Float32Array } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const f = new Float32Array(outSize);
  const scale = length / outSize;
  const last = Math.min(inSize - 1, Math.ceil(start + length) - 1);
  for (let o = 0; o < outSize; o++) {
    let src = scale * (o + 0.5) - 0.5;
    if (src < 0) src = 0;
    const base = Math.floor(src);
    const a = Math.min(start + base, last);
    i0[o] = a;
    i1[o] = Math.min(a + 1, last);
    f[o] = a === last ? 0 : src - base;
  }
  return { i0, i1, f };
}

/**
 * Bilinear resize of the window `(top, left, h, w)` of `img` to `outH x outW` with half-pixel centres, the same
 * arithmetic as `torch.nn.functional.interpolate(mode='bilinear', align_corners=False)` on the cropped window
 * (and `tf.image.resizeBilinear(halfPixelCenters=true)`).
 */
export function cropResizeBilinear(
  img: HostImage,
  top: number,
  left: number,
  h: number,
  w: number,
  outH: number,
  outW: number,
): HostImage {
  const { data, width, channels: c } = img;
  const out = makeImage(outH, outW, c);
  const ys = axisTable(outH, top, h, img.height);
  const xs = axisTable(outW, left, w, img.width);
  const o = out.data;
  let p = 0;
  for (let y = 0; y < outH; y++) {
    const r0 = ys.i0[y] * width;
    const r1 = ys.i1[y] * width;
    const fy = ys.f[y];
    for (let x = 0; x < outW; x++) {
      const c0 = xs.i0[x];
      const c1 = xs.i1[x];
      const fx = xs.f[x];
      const a = (r0 + c0) * c;
      const b = (r0 + c1) * c;
      const d = (r1 + c0) * c;
      const e = (r1 + c1) * c;
      for (let k = 0; k < c; k++) {
        const top0 = data[a + k] + (data[b + k] - data[a + k]) * fx;
        const bot0 = data[d + k] + (data[e + k] - data[d + k]) * fx;
        o[p++] = top0 + (bot0 - top0) * fy;
      }
    }
  }
  return out;
}

/** Nearest-neighbour resize (PyTorch `mode='nearest'`: `src = floor(dst * in / out)`). */
export function cropResizeNearest(img: HostImage, top: number, left: number, h: number, w: number, outH: number, outW: number): HostImage {
  const { data, width, channels: c } = img;
  const out = makeImage(outH, outW, c);
  let p = 0;
  for (let y = 0; y < outH; y++) {
    const sy = top + Math.min(h - 1, Math.floor((y * h) / outH));
    for (let x = 0; x < outW; x++) {
      const sx = left + Math.min(w - 1, Math.floor((x * w) / outW));
      const q = (sy * width + sx) * c;
      for (let k = 0; k < c; k++) out.data[p++] = data[q + k];
    }
  }
  return out;
}

/** Copies a window; parts outside the image are filled with `fill[channel]`. */
export function crop(img: HostImage, top: number, left: number, h: number, w: number, fill: readonly number[] = [0]): HostImage {
  const c = img.channels;
  const out = makeImage(h, w, c);
  let p = 0;
  for (let y = 0; y < h; y++) {
    const sy = top + y;
    for (let x = 0; x < w; x++) {
      const sx = left + x;
      const inside = sy >= 0 && sy < img.height && sx >= 0 && sx < img.width;
      const q = (sy * img.width + sx) * c;
      for (let k = 0; k < c; k++) out.data[p++] = inside ? img.data[q + k] : fill[k % fill.length];
    }
  }
  return out;
}

export function flipHorizontal(img: HostImage): HostImage {
  const { height, width, channels: c, data } = img;
  const out = makeImage(height, width, c);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (y * width + (width - 1 - x)) * c;
      const d = (y * width + x) * c;
      for (let k = 0; k < c; k++) out.data[d + k] = data[s + k];
    }
  }
  return out;
}

/** `(x - mean[c]) / std[c]` per channel, in place. */
export function normalizeInPlace(data: Float32Array, channels: number, mean: readonly number[], std: readonly number[]): void {
  const m = Float32Array.from({ length: channels }, (_, k) => mean[mean.length === 1 ? 0 : k]);
  const inv = Float32Array.from({ length: channels }, (_, k) => 1 / std[std.length === 1 ? 0 : k]);
  for (let i = 0; i < data.length; i += channels) {
    for (let k = 0; k < channels; k++) data[i + k] = (data[i + k] - m[k]) * inv[k];
  }
}

/** Checks `mean`/`std` match the channel count (one value, or one per channel). */
export function checkStats(what: string, channels: number, mean: readonly number[], std: readonly number[]): void {
  for (const [n, v] of [['mean', mean], ['std', std]] as const) {
    if (v.length !== 1 && v.length !== channels) {
      throw new Error(`${what}: ${n} has ${v.length} values but the images have ${channels} channels`);
    }
  }
  if (std.some((x) => !(x > 0))) throw new Error(`${what}: every std must be > 0, got [${std.join(', ')}]`);
}
