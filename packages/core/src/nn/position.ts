import { tf } from '../tf';

/**
 * The fixed sinusoid table of "Attention is all you need" as T2T-ViT builds it: `[1, nPosition, dim]`,
 * angle `pos / 10000^(2⌊j/2⌋/dim)`, sin on even and cos on odd feature indices; row 0 belongs to the cls token.
 */
export function sinusoidTable(nPosition: number, dim: number): tf.Tensor3D {
  const data = new Float32Array(nPosition * dim);
  for (let pos = 0; pos < nPosition; pos++) {
    for (let j = 0; j < dim; j++) {
      const angle = pos / Math.pow(10000, (2 * Math.floor(j / 2)) / dim);
      data[pos * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return tf.tensor3d(data, [1, nPosition, dim]);
}
