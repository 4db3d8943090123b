import { jet } from './colormap';
import { sideBySide, stackVertically } from './compose';
import { heatmapOverlay, upsampleBilinear } from './heatmap';
import { patchGrid } from './patch-grid';

describe('heatmap overlay', () => {
  it('jet runs blue → cyan → yellow → red', () => {
    expect(jet(0)).toEqual([0, 0, 128]);
    expect(jet(0.5)).toEqual([128, 255, 128]);
    expect(jet(1)).toEqual([128, 0, 0]);
    expect(jet(2)).toEqual(jet(1));
  });

  it('upsamples bilinearly at pixel centres and normalises to [0, 1]', () => {
    // a 1×2 grid [0, 1] over 4 pixels: centres at grid x = -¼, ¼, ¾, 5⁄4 → clamped 0, ¼, ¾, 1
    expect(Array.from(upsampleBilinear([0, 1], 1, 2, 4, 1))).toEqual([0, 0.25, 0.75, 1]);
    expect(Array.from(upsampleBilinear([3, 3, 3, 3], 2, 2, 2, 2))).toEqual([0, 0, 0, 0]);
  });

  it('blends the colormap over the image with weight alpha and puts the hottest colour on the hottest cell', () => {
    const [w, h] = [8, 8];
    const grey = new Uint8ClampedArray(w * h * 4).fill(100);
    const map = [0, 0, 0, 1]; // bottom-right cell of a 2×2 grid
    const out = heatmapOverlay(grey, w, h, map, 2, 2, 0.5);
    expect(out.length).toBe(w * h * 4);
    const px = (x: number, y: number) => Array.from(out.subarray((y * w + x) * 4, (y * w + x) * 4 + 4));
    expect(px(7, 7)).toEqual([114, 50, 50, 255]); // ½·100 + ½·jet(1)
    expect(px(0, 0)).toEqual([50, 50, 114, 255]); // ½·100 + ½·jet(0)
    expect(Array.from(heatmapOverlay(grey, w, h, map, 2, 2, 0).subarray(0, 4))).toEqual([100, 100, 100, 255]);
  });

  it('names bad input', () => {
    const img = new Uint8ClampedArray(16);
    expect(() => heatmapOverlay(img, 2, 3, [1], 1, 1)).toThrow(/imageRGBA has 16 values, a 2×3 RGBA image has 24/);
    expect(() => heatmapOverlay(img, 2, 2, [1, 2], 1, 1)).toThrow(/map has 2 values, a 1×1 grid has 1/);
    expect(() => heatmapOverlay(img, 2, 2, [1], 1, 1, 2)).toThrow(/alpha must be in \[0, 1\]/);
    expect(() => heatmapOverlay(img, 2, 2, [1], 0, 1)).toThrow(/gridH must be a positive integer/);
  });

  it('puts images side by side and above each other on an opaque canvas', () => {
    const red = { rgba: new Uint8ClampedArray([255, 0, 0, 255]), width: 1, height: 1 };
    const blue = { rgba: new Uint8ClampedArray([0, 0, 255, 255, 0, 0, 255, 255]), width: 1, height: 2 };
    const both = sideBySide([red, blue]);
    expect([both.width, both.height]).toEqual([2, 2]);
    expect(Array.from(both.rgba)).toEqual([255, 0, 0, 255, 0, 0, 255, 255, 0, 0, 0, 255, 0, 0, 255, 255]);
    const column = stackVertically([red, both]);
    expect([column.width, column.height]).toEqual([2, 3]);
    expect(Array.from(column.rgba.subarray(0, 8))).toEqual([255, 0, 0, 255, 0, 0, 0, 255]);
    expect(Array.from(column.rgba.subarray(8))).toEqual(Array.from(both.rgba));
    expect(() => sideBySide([])).toThrow(/sideBySide: no images/);
  });

  it('finds the patch grid from the token count and the image aspect', () => {
    expect(patchGrid(196, [224, 224])).toEqual([14, 14]);
    expect(patchGrid(24, [24, 36])).toEqual([4, 6]);
    expect(() => patchGrid(7, [16, 16])).toThrow(/7 patches form no grid with the aspect of a 16×16 image/);
  });
});
