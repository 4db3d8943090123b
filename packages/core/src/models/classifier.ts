import { tf } from '../tf';
import { ModuleList } from '../nn/module';
import type { Head } from '../registry/kinds';
import type { BuildContext, ComponentSpec } from '../registry/types';
import { ImageClassifier } from './contracts';

interface HeadPlan {
  /** Member name of the head(s): the reference implementation's (`head`, torchvision's `fc`). */
  name: string;
  spec: ComponentSpec;
  ctx: BuildContext;
  /** Width of each pooled feature vector; one head per entry. */
  widths: number[];
}

/**
 * An image classifier assembled from parts: the subclass is the backbone (it computes the pooled features,
 * `forwardPreLogits`), the head is a registered component (kind `head`) chosen by the spec and built through the
 * registry. Mounted under the reference name, so parameter names do not move: one head as `head.weight` (or
 * `fc.weight`), one per feature vector as `head.0.weight`, `head.1.weight`, … whose logits are averaged (CrossViT).
 */
export abstract class Classifier extends ImageClassifier {
  private plan: HeadPlan | null = null;
  private mounted: Head | ModuleList<Head> | null = null;

  /** Pooled features `[B, F_i]`, one per head: what the head(s) read. */
  abstract forwardPreLogits(x: tf.Tensor4D): tf.Tensor2D[];

  /**
   * Builds the head(s) from `spec` (inheriting `inFeatures` and `numClasses`) and mounts them as `name`. Call it
   * last in the constructor, where the reference code creates its head, so the state-dict order stays the same.
   */
  protected mountHead(ctx: BuildContext, spec: ComponentSpec, widths: number[], name = 'head'): void {
    if (this.plan) throw new Error(`${this.constructor.name}: the head is already mounted`);
    this.plan = { name, spec, ctx, widths };
    this.mounted = this.addModule(name, this.buildHead(this.config.numClasses));
  }

  /** The mounted head(s), one per pooled feature vector. */
  get heads(): Head[] {
    if (!this.mounted) throw new Error(`${this.constructor.name}: no head mounted`);
    return this.mounted instanceof ModuleList ? this.mounted.items : [this.mounted];
  }

  /** The head module as mounted (a `ModuleList` when there are several). */
  protected get headModule(): Head | ModuleList<Head> {
    if (!this.mounted) throw new Error(`${this.constructor.name}: no head mounted`);
    return this.mounted;
  }

  private buildHead(numClasses: number): Head | ModuleList<Head> {
    const { spec, ctx, widths, name } = this.plan!;
    const build = (inFeatures: number, path: string) => ctx.build('head', spec, path, { inFeatures, numClasses });
    if (widths.length === 1) return build(widths[0], `${ctx.path}.${name}`);
    const list = new ModuleList<Head>();
    try {
      widths.forEach((w, i) => list.push(build(w, `${ctx.path}.${name}[${i}]`)));
    } catch (e) {
      list.dispose();
      throw e;
    }
    return list;
  }

  forward(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const heads = this.heads;
      const logits = this.forwardPreLogits(x).map((f, i) => heads[i].forward(f));
      return (logits.length === 1 ? logits[0] : tf.div(tf.addN(logits), logits.length)) as tf.Tensor2D;
    });
  }

  /** A freshly initialised head of the same spec for `numClasses` (0 = features only), like timm's `reset_classifier`. */
  override resetClassifier(numClasses: number): void {
    if (!Number.isInteger(numClasses) || numClasses < 0) throw new RangeError(`resetClassifier: numClasses must be an integer >= 0, got ${numClasses}`);
    if (!this.plan) throw new Error(`${this.constructor.name}: no head mounted`);
    const head = this.buildHead(numClasses);
    this.mounted = this.replaceModule(this.plan.name, head);
    head.train(this.training);
    (this.config as { numClasses: number }).numClasses = numClasses;
    const options = (this as { options?: { numClasses?: number } }).options;
    if (options && typeof options.numClasses === 'number') options.numClasses = numClasses;
  }
}
