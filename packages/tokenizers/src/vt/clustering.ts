import { reportMacs, tf } from '@vitkit/core';
import { adaptivePoolMatrix, l2normalize, stopGradient, tokenGrid, VtTokenizer, VtTokenizerOptions } from './common';

/**
 * One Lloyd update: each centroid becomes the normalised mean of its pixels, or stays when it has none.
 * Written with arithmetic only (no comparison ops, which have no gradient in tfjs and would break backprop).
 */
function updateCentroids(mask: tf.Tensor3D, x: tf.Tensor3D, prev: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const count = tf.sum(mask, 2, true); // [B, L, 1]
    const has = tf.minimum(count, 1); // 1 when the cluster has pixels, else 0
    const mean = tf.div(tf.matMul(mask, x), tf.maximum(count, 1));
    return tf.add(tf.mul(has, l2normalize(mean)), tf.mul(tf.sub(1, has), prev)) as tf.Tensor3D;
  });
}

export interface ClusteringTokenizerOptions extends VtTokenizerOptions {
  /** Lloyd iterations (Appendix C `niter`; not given in the paper). */
  iterations: number;
}

/**
 * Clustering-based tokenizer (Appendix C, Eq. 6): `W_K = KMEANS(X)`, `T = SOFTMAX_HW(X W_K)ᵀ X`.
 * K-means as in Listing 1: pixels and centroids normalised to unit vectors, centroids initialised from the
 * spatially downsampled feature map (adaptive average pooling to the L-cell token grid), then `iterations` Lloyd
 * steps (assign every pixel to its nearest centroid, centroid = normalised mean of its pixels). Nearest by
 * Euclidean distance between unit vectors = largest dot product. A centroid that loses all its pixels keeps its
 * previous value (Listing 1 would divide by zero). The assignments carry no gradient; the final centroids are
 * differentiable functions of the pixels they average (as in the listing).
 */
export class ClusteringTokenizer extends VtTokenizer {
  readonly iterations: number;
  readonly grid: [number, number];

  constructor(options: ClusteringTokenizerOptions) {
    super(options);
    this.iterations = options.iterations;
    this.grid = tokenGrid(options.numTokens);
  }

  /** Unit-norm centroids `[B, L, C]` of the pixels `x3` `[B, HW, C]`. */
  kmeans(x3: tf.Tensor3D, h: number, w: number): tf.Tensor3D {
    const [gh, gw] = this.grid;
    if (h < gh || w < gw) throw new Error(`ClusteringTokenizer: a ${h}×${w} feature map is smaller than the ${gh}×${gw} initialisation grid`);
    const [b, hw, c] = x3.shape;
    const l = gh * gw;
    reportMacs('matmul', this.iterations * 2 * b * hw * c * l);
    return tf.tidy(() => {
      const xn = l2normalize(x3) as tf.Tensor3D;
      const pool = tf.tile(tf.tensor3d(adaptivePoolMatrix(h, w, gh, gw), [1, l, hw]), [b, 1, 1]) as tf.Tensor3D;
      if (this.iterations === 0) return l2normalize(tf.matMul(pool, xn)) as tf.Tensor3D;
      // Lloyd's iterations on detached values: only the assignments are needed from them.
      const xd = stopGradient(xn) as tf.Tensor3D;
      let u = l2normalize(tf.matMul(pool, xd)) as tf.Tensor3D; // [B, L, C]
      let mask: tf.Tensor3D | null = null; // [B, L, HW] one-hot over L per pixel
      for (let it = 0; it < this.iterations; it++) {
        const sim = tf.matMul(xd, u, false, true); // [B, HW, L]
        const assign = tf.argMax(sim, 2); // [B, HW]
        mask = tf.transpose(tf.oneHot(assign, l), [0, 2, 1]) as tf.Tensor3D; // [B, L, HW]
        u = updateCentroids(mask, xd, u);
      }
      // Final centroids again, now differentiable in the pixels (the masks are constants).
      return updateCentroids(stopGradient(mask!) as tf.Tensor3D, xn, stopGradient(u) as tf.Tensor3D);
    });
  }

  protected attentionT(x3: tf.Tensor3D, h: number, w: number): tf.Tensor3D {
    const [b, hw, c] = x3.shape;
    const l = this.grid[0] * this.grid[1];
    reportMacs('matmul', b * l * c * hw);
    return tf.tidy(() => {
      const wk = this.kmeans(x3, h, w); // [B, L, C]
      return tf.softmax(tf.matMul(wk, x3, false, true)) as tf.Tensor3D; // SOFTMAX_HW(X W_K)ᵀ
    });
  }
}
