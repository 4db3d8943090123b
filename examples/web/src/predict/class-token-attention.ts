import { Attention, splitHeads, tf } from '@vitkit/core';
import type { Module } from '@vitkit/core';

/**
 * The class token's attention over a square grid of patch tokens, heads averaged: `grid`×`grid` probabilities,
 * row-major (with the class token's attention to itself, they sum to 1).
 */
export interface AttentionGrid {
  grid: number;
  values: Float32Array;
  /** Where it was taken: the module's name in the model. */
  module: string;
}

/**
 * Watches the last multi-head self-attention of a model (core's `Attention`, as ViT, T2T-ViT and CrossViT blocks
 * use) and, after a forward pass, recomputes that block's attention probabilities from the tokens it was given and
 * its own `qkv` projection: softmax(q_cls·kᵀ·scale), averaged over heads. Core has no capture API, so the probe
 * wraps that one module's `forward` to keep its input; `release()` restores it.
 */
export class ClassTokenAttention {
  private input: tf.Tensor | null = null;
  private readonly original: Attention['forward'];
  /** Whether the instance had a forward of its own (another wrapper) rather than the class's. */
  private readonly ownForward: boolean;

  private constructor(
    private readonly attention: Attention,
    readonly module: string,
  ) {
    this.original = attention.forward;
    this.ownForward = Object.prototype.hasOwnProperty.call(attention, 'forward');
    attention.forward = (x: tf.Tensor) => {
      this.input?.dispose();
      this.input = tf.keep(x.clone());
      return this.original.call(attention, x);
    };
  }

  /** A probe on the model's last `Attention`, or null when it has none (a ResNet, a VT model). */
  static watch(model: Module): ClassTokenAttention | null {
    const last = model
      .namedModules()
      .filter((entry): entry is [string, Attention] => entry[1] instanceof Attention)
      .pop();
    return last ? new ClassTokenAttention(last[1], last[0]) : null;
  }

  /** The last forward's map; throws when the tokens after the class token do not form a square grid. */
  async read(): Promise<AttentionGrid> {
    const x = this.input;
    if (!x) throw new Error(`${this.module}: no forward pass has run yet`);
    const [, tokens] = x.shape;
    const grid = Math.round(Math.sqrt(tokens - 1));
    if (grid * grid !== tokens - 1) {
      throw new Error(`${this.module} attends over ${tokens} tokens: not a class token and a square grid of patches`);
    }
    const map = tf.tidy(() => {
      const { numHeads, scale } = this.attention;
      const [q, k] = tf.split(this.attention.qkv.forward(x), 3, 2).map((t) => splitHeads(t, numHeads));
      const classQuery = tf.slice(q, [0, 0, 0, 0], [1, -1, 1, -1]);
      const probabilities = tf.softmax(tf.mul(tf.matMul(classQuery, k, false, true), scale));
      return tf.slice(tf.mean(probabilities, [0, 1, 2]), [1], [tokens - 1]);
    });
    const values = (await map.data()) as Float32Array;
    map.dispose();
    return { grid, values, module: this.module };
  }

  /** Puts the module back as it was and frees the kept tokens. */
  release(): void {
    if (this.ownForward) this.attention.forward = this.original;
    else Reflect.deleteProperty(this.attention, 'forward');
    this.input?.dispose();
    this.input = null;
  }
}
