import type { tf } from '../tf';
import { Module } from './module';
import type { Parameter, ParameterOptions } from './parameter';

/**
 * A module holding parameters named `0`, `1`, ... (PyTorch `nn.ParameterList`): per-branch tensors such as
 * CrossViT's `pos_embed.0` / `cls_token.1` keep their checkpoint names.
 */
export class ParameterList extends Module {
  readonly items: Parameter[] = [];

  /** Adds `value` as parameter `<length>` (it takes ownership of the tensor, as `addParameter` does). */
  push(value: tf.Tensor, options?: ParameterOptions): Parameter {
    const p = this.addParameter(String(this.items.length), value, options);
    this.items.push(p);
    return p;
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): Parameter {
    const p = this.items[i];
    if (!p) throw new RangeError(`ParameterList index ${i} out of range (length ${this.items.length})`);
    return p;
  }
}
