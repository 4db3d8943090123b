import { inputToRgba, splitChannels } from './input-image';

describe('input images', () => {
  it('undoes the normalisation into opaque RGBA, grey for one channel', () => {
    // pixel 51 with mean 0.2 and std 0.5 normalises to (0.2 − 0.2)/0.5 = 0; 255 to (1 − 0.2)/0.5 = 1.6
    const rgb = inputToRgba([0, 1.6, 0], 1, 1, 3, [0.2, 0.2, 0.2], [0.5, 0.5, 0.5]);
    expect(Array.from(rgb.rgba)).toEqual([51, 255, 51, 255]);
    const grey = inputToRgba([1.6, 0], 1, 2, 1, [0.2], [0.5]);
    expect(Array.from(grey.rgba)).toEqual([255, 255, 255, 255, 51, 51, 51, 255]);
    expect(() => inputToRgba([0, 0], 1, 1, 2, [0, 0], [1, 1])).toThrow(/2 channels; only 1 \(grey\) or 3 \(RGB\)/);
    expect(() => inputToRgba([0], 1, 1, 3, [0], [1])).toThrow(/1 values for a 1×1×3 image/);
  });

  it('splits an H×W×L array into L maps', () => {
    // 1×2 pixels, 2 channels: pixel 0 = (1, 2), pixel 1 = (3, 4)
    expect(splitChannels([1, 2, 3, 4], 1, 2, 2).map((m) => Array.from(m))).toEqual([[1, 3], [2, 4]]);
  });
});
