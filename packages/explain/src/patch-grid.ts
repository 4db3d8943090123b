/**
 * The patch grid `[rows, cols]` of `patches` tokens for an image of `inputSize` `[height, width]`: the factorisation
 * whose aspect ratio matches the image's (patch embeddings keep the aspect: 14×14 for 224×224, 4×6 for 24×36).
 */
export function patchGrid(patches: number, inputSize: readonly [number, number]): [number, number] {
  const [h, w] = inputSize;
  if (!Number.isInteger(patches) || patches < 1) throw new Error(`patchGrid: patch count must be a positive integer, got ${patches}`);
  let best: [number, number] | null = null;
  for (let rows = 1; rows <= patches; rows++) {
    if (patches % rows !== 0) continue;
    const cols = patches / rows;
    const error = Math.abs(Math.log((rows / cols) * (w / h)));
    if (!best || error < Math.abs(Math.log((best[0] / best[1]) * (w / h)))) best = [rows, cols];
  }
  const [rows, cols] = best!;
  // A token count with no factorisation near the image's aspect is not a patch grid (extra tokens, wrong image size).
  if (Math.abs(Math.log((rows / cols) * (w / h))) > Math.log(1.5)) {
    throw new Error(`patchGrid: ${patches} patches form no grid with the aspect of a ${h}×${w} image (closest ${rows}×${cols})`);
  }
  return [rows, cols];
}
