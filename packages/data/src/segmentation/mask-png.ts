import type sharpType from 'sharp';
import { IGNORE_INDEX } from './types';

function loadSharp(): typeof sharpType {
  try {
    return require('sharp') as typeof sharpType;
  } catch (e) {
    throw new Error(`writing PNGs needs "sharp", which failed to load: ${(e as Error).message}. Install it with: npm install sharp`);
  }
}

/**
 * The PASCAL VOC colour map (class c's colour from the bits of c spread over R, G, B), so neighbouring classes get
 * distinct colours; the ignore index is white.
 */
export function classColor(c: number): [number, number, number] {
  if (c === IGNORE_INDEX) return [255, 255, 255];
  let r = 0;
  let g = 0;
  let b = 0;
  let v = c;
  for (let j = 0; j < 8; j++) {
    r |= ((v >> 0) & 1) << (7 - j);
    g |= ((v >> 1) & 1) << (7 - j);
    b |= ((v >> 2) & 1) << (7 - j);
    v >>= 3;
  }
  return [r, g, b];
}

/** A label mask `H·W` as RGB bytes, one colour per class (`classColor`). */
export function colorizeMask(mask: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(mask.length * 3);
  for (let i = 0; i < mask.length; i++) out.set(classColor(mask[i]), i * 3);
  return out;
}

/** Encodes 8-bit pixels (`channels` 1 or 3) as a PNG. */
export async function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3): Promise<Buffer> {
  const img = loadSharp()(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), { raw: { width, height, channels } });
  return (channels === 1 ? img.toColourspace('b-w') : img).png().toBuffer();
}

/** Writes a label mask as a coloured PNG (what `vitkit predict` writes for a segmentation model). */
export async function writeColorMaskPng(file: string, mask: ArrayLike<number>, width: number, height: number): Promise<void> {
  const { writeFile } = await import('fs/promises');
  await writeFile(file, await encodePng(colorizeMask(mask), width, height, 3));
}

/** A map of values in [0, 1] as a blue → red heat map (RGB bytes), for attention pictures. */
export function heatmap(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 3);
  for (let i = 0; i < values.length; i++) {
    const t = Math.min(1, Math.max(0, values[i]));
    out[i * 3] = Math.round(255 * t);
    out[i * 3 + 1] = Math.round(255 * (1 - Math.abs(2 * t - 1)) * 0.6);
    out[i * 3 + 2] = Math.round(255 * (1 - t));
  }
  return out;
}
