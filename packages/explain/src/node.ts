// Node-only helpers (`@vitkit/explain/node`): PNG files through sharp, kept out of the portable entry point.
import type { RgbaImage } from './compose';

type Sharp = typeof import('sharp');

function loadSharp(): Sharp {
  try {
    return require('sharp') as Sharp;
  } catch (e) {
    throw new Error(`@vitkit/explain/node: writing PNG files needs sharp (npm install sharp): ${(e as Error).message.split('\n')[0]}`);
  }
}

/** Writes RGBA pixels (`image.rgba`, 4 bytes per pixel, row-major) as a PNG file. */
export async function writePng(file: string, image: RgbaImage): Promise<void> {
  const { rgba, width, height } = image;
  if (rgba.length !== width * height * 4) throw new Error(`writePng: ${file}: ${rgba.length} values for a ${width}×${height} RGBA image (${width * height * 4} expected)`);
  const sharp = loadSharp();
  await sharp(Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength), { raw: { width, height, channels: 4 } })
    .png()
    .toFile(file);
}

/** RGBA pixels as PNG bytes (for a data URI or an HTTP response). */
export async function encodePng(image: RgbaImage): Promise<Buffer> {
  const { rgba, width, height } = image;
  if (rgba.length !== width * height * 4) throw new Error(`encodePng: ${rgba.length} values for a ${width}×${height} RGBA image (${width * height * 4} expected)`);
  const sharp = loadSharp();
  return sharp(Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength), { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}
