import { tf } from '../tf';

const A = -0.75;

function cubicNear(x: number): number {
  return ((A + 2) * x - (A + 3)) * x * x + 1;
}

function cubicFar(x: number): number {
  return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
}

/**
 * The `[outSize, inSize]` matrix of PyTorch's bicubic interpolation along one axis: Keys cubic with A = −0.75,
 * `align_corners=False`, no antialias, source coordinate `scale·(dst + 0.5) − 0.5` with `scale = f32(in)/f32(out)`,
 * four taps at `floor(src) − 1 … + 2` clamped to the border (clamped taps accumulate on the edge pixel).
 */
export function bicubicMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float64Array(outSize * inSize);
  const scale = Math.fround(inSize) / Math.fround(outSize);
  const scaleF = Math.fround(scale);
  for (let o = 0; o < outSize; o++) {
    const src = scaleF * (o + 0.5) - 0.5;
    const i0 = Math.floor(src);
    const t = src - i0;
    const w = [cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)];
    for (let k = 0; k < 4; k++) {
      const idx = Math.min(Math.max(i0 - 1 + k, 0), inSize - 1);
      m[o * inSize + idx] += w[k];
    }
  }
  return Float32Array.from(m);
}

/**
 * Bicubic resize of an NHWC tensor, identical to `F.interpolate(mode='bicubic', align_corners=False)`.
 * Written as two 2-D matmuls, so it is differentiable on every backend.
 */
export function resizeBicubic(x: tf.Tensor4D, size: [number, number]): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const [oh, ow] = size;
  if (oh === h && ow === w) return x.clone();
  return tf.tidy(() => {
    const mh = tf.tensor2d(bicubicMatrix(h, oh), [oh, h]);
    const mw = tf.tensor2d(bicubicMatrix(w, ow), [ow, w]);
    // Rows: [H, B·W·C] → [oH, B·W·C]
    const rows = tf.matMul(mh, tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [h, b * w * c]));
    // Columns: [W, oH·B·C] → [oW, oH·B·C]
    const cols = tf.reshape(tf.transpose(tf.reshape(rows, [oh, b, w, c]), [2, 0, 1, 3]), [w, oh * b * c]);
    const out = tf.matMul(mw, cols);
    return tf.transpose(tf.reshape(out, [ow, oh, b, c]), [2, 1, 0, 3]);
  });
}
