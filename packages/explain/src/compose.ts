/** An RGBA image, 4 bytes per pixel, row-major. */
export interface RgbaImage {
  readonly rgba: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

function checkImages(images: readonly RgbaImage[], where: string): void {
  if (images.length === 0) throw new Error(`${where}: no images`);
  images.forEach((im, i) => {
    if (im.rgba.length !== im.width * im.height * 4) throw new Error(`${where}: image ${i} (${im.width}×${im.height}) has ${im.rgba.length} values, ${im.width * im.height * 4} expected`);
  });
}

function opaqueCanvas(width: number, height: number): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255; // opaque black where no image reaches
  return rgba;
}

/** Images side by side, left to right, top-aligned; the canvas is as tall as the tallest and black elsewhere. */
export function sideBySide(images: readonly RgbaImage[]): RgbaImage {
  checkImages(images, 'sideBySide');
  const width = images.reduce((s, im) => s + im.width, 0);
  const height = Math.max(...images.map((im) => im.height));
  const rgba = opaqueCanvas(width, height);
  let left = 0;
  for (const im of images) {
    for (let y = 0; y < im.height; y++) rgba.set(im.rgba.subarray(y * im.width * 4, (y + 1) * im.width * 4), (y * width + left) * 4);
    left += im.width;
  }
  return { rgba, width, height };
}

/** Images top to bottom, left-aligned; the canvas is as wide as the widest and black elsewhere. */
export function stackVertically(images: readonly RgbaImage[]): RgbaImage {
  checkImages(images, 'stackVertically');
  const width = Math.max(...images.map((im) => im.width));
  const height = images.reduce((s, im) => s + im.height, 0);
  const rgba = opaqueCanvas(width, height);
  let top = 0;
  for (const im of images) {
    for (let y = 0; y < im.height; y++) rgba.set(im.rgba.subarray(y * im.width * 4, (y + 1) * im.width * 4), (top + y) * width * 4);
    top += im.height;
  }
  return { rgba, width, height };
}
