import { tf } from '../tf';
import type { Module } from './module';

/** One attention call seen while recording: the module's parameter path and its probabilities `[B, heads, Nq, Nk]`. */
export interface RecordedAttention {
  /** Dotted path of the attention module inside the recorded model (`blocks.3.attn`), as in `namedModules()`. */
  readonly path: string;
  /** softmax(q·kᵀ·scale), before attention dropout; owned by the recorder until it is disposed. */
  readonly probs: tf.Tensor4D;
}

// One recorder at a time: attention modules look here on each call; null (the usual case) costs one comparison.
let active: AttentionRecorder | null = null;

/**
 * Opt-in capture of attention probabilities for explanations (attention rollout). While a recorder is active, every
 * attention module of the model reports its probabilities, recomputed from the same q, k and scale as the forward pass
 * (the forward pass itself is untouched, so logits are identical). The tensors are kept out of the caller's tf.tidy;
 * `dispose()` frees them and stops recording.
 *
 * ```ts
 * const rec = AttentionRecorder.start(model);
 * const logits = tf.tidy(() => model.forward(x));
 * rec.stop();
 * for (const { path, probs } of rec.maps) console.log(path, probs.shape);
 * rec.dispose();
 * ```
 */
export class AttentionRecorder {
  private readonly paths: Map<Module, string>;
  private readonly recorded: RecordedAttention[] = [];
  private disposed = false;

  private constructor(model: Module) {
    this.paths = new Map(model.namedModules().map(([path, m]) => [m, path]));
  }

  /** Starts recording the attention modules of `model`; throws when another recorder is still recording. */
  static start(model: Module): AttentionRecorder {
    if (active) throw new Error('AttentionRecorder.start: another recorder is still recording; stop() or dispose() it first');
    const recorder = new AttentionRecorder(model);
    active = recorder;
    return recorder;
  }

  /** True while some recorder is active (attention modules skip all recording work otherwise). */
  static get recording(): boolean {
    return active !== null;
  }

  /** The recorded calls in call order (a module called twice appears twice). */
  get maps(): readonly RecordedAttention[] {
    if (this.disposed) throw new Error('AttentionRecorder.maps: the recorder has been disposed');
    return this.recorded;
  }

  /** Stops recording; the recorded tensors stay until dispose(). */
  stop(): void {
    if (active === this) active = null;
  }

  /** Stops recording and frees every recorded tensor. */
  dispose(): void {
    this.stop();
    for (const r of this.recorded) r.probs.dispose();
    this.recorded.length = 0;
    this.disposed = true;
  }

  /** Called by attention modules while recording; `probs` is kept (it survives the enclosing tf.tidy). */
  static report(owner: Module, probs: () => tf.Tensor4D): void {
    const recorder = active;
    if (!recorder) return;
    const path = recorder.paths.get(owner) ?? `(outside the recorded model) ${owner.constructor.name}`;
    recorder.recorded.push({ path, probs: tf.keep(tf.tidy(probs)) });
  }
}
