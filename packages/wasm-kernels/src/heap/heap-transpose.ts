// A blocked 2-D transpose as a JS loop on the heap (for the operands XNNPACK cannot read transposed).

const TB = 32;

/** dst[c*rows + r] = src[r*cols + c] for a rows×cols matrix (float32 word offsets into `heap`). Blocked. */
export function transpose2dHeap(heap: Float32Array, src: number, rows: number, cols: number, dst: number): void {
  if (rows === 1 || cols === 1) {
    heap.copyWithin(dst, src, src + rows * cols);
    return;
  }
  for (let r0 = 0; r0 < rows; r0 += TB) {
    const r1 = Math.min(rows, r0 + TB);
    for (let c0 = 0; c0 < cols; c0 += TB) {
      const c1 = Math.min(cols, c0 + TB);
      for (let r = r0; r < r1; r++) {
        let s = src + r * cols + c0;
        let d = dst + c0 * rows + r;
        for (let c = c0; c < c1; c++) {
          heap[d] = heap[s++];
          d += rows;
        }
      }
    }
  }
}
