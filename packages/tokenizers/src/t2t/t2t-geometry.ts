import { SpecError } from '@vitkit/core';
import type { SpecIssue } from '@vitkit/core';
import { splitOutputSize } from './soft-split';
import type { T2TOptions } from './t2t-options';

export interface T2TGeometry {
  /** Grid side after each split (`grids[i]` = output of split i). */
  grids: number[];
  /** Feature width of each split's tokens (`C·k²`). */
  widths: number[];
}

/**
 * Checks a T2T configuration and returns the token grids, or throws a `SpecError` naming the offending option.
 * Every split must shrink the image exactly by its stride (`n → n/s`), which is what the official
 * `num_patches = (img_size // 16)²` assumes; the re-structurization between splits needs a square grid.
 */
export function t2tGeometry(o: Pick<T2TOptions, 'imgSize' | 'inChans' | 'tokenDim' | 'kernelSizes' | 'strides' | 'paddings'>, path = 'tokenizer'): T2TGeometry {
  const issues: SpecIssue[] = [];
  const n = o.kernelSizes.length;
  if (o.strides.length !== n || o.paddings.length !== n) {
    issues.push({
      path: `${path}.strides`,
      message: `kernelSizes, strides and paddings must have the same length (one entry per soft split); got ${o.kernelSizes.length}, ${o.strides.length}, ${o.paddings.length}`,
    });
    throw new SpecError(issues);
  }
  const imgSize = Array.isArray(o.imgSize) ? o.imgSize : [o.imgSize, o.imgSize];
  if (imgSize[0] !== imgSize[1]) {
    throw new SpecError([{ path: `${path}.imgSize`, message: `${imgSize[0]}×${imgSize[1]} gives a non-square token grid; T2T re-structurization (reshape to √L × √L) needs a square image` }]);
  }
  const product = o.strides.reduce((a, b) => a * b, 1);
  if (imgSize[0] % product !== 0) {
    throw new SpecError([
      {
        path: `${path}.imgSize`,
        message: `${imgSize[0]} is not divisible by the product of the soft-split strides (${o.strides.join('·')} = ${product}); use a multiple of ${product} or change strides`,
      },
    ]);
  }
  const grids: number[] = [];
  const widths: number[] = [];
  let size = imgSize[0];
  let chans = o.inChans;
  for (let i = 0; i < n; i++) {
    const [k, st, p] = [o.kernelSizes[i], o.strides[i], o.paddings[i]];
    const out = splitOutputSize(size, k, st, p);
    if (out !== size / st) {
      const good = Array.from({ length: k + 1 }, (_, q) => q).find((q) => splitOutputSize(size, k, st, q) === size / st);
      const suggest = good !== undefined ? ` (padding ${good} would give ${size / st})` : '';
      issues.push({
        path: `${path}.paddings[${i}]`,
        message: `soft split ${i} (kernel ${k}, stride ${st}, padding ${p}) maps a ${size}×${size} grid to ${out}×${out}, expected ${size / st}×${size / st} = ${size}/${st}${suggest}; check kernelSizes[${i}], strides[${i}], paddings[${i}]`,
      });
      break;
    }
    if (k < 1 || out < 1) {
      issues.push({ path: `${path}.kernelSizes[${i}]`, message: `kernel ${k} does not fit a ${size}×${size} grid` });
      break;
    }
    grids.push(out);
    widths.push(chans * k * k);
    size = out;
    chans = o.tokenDim;
  }
  if (issues.length) throw new SpecError(issues);
  return { grids, widths };
}
