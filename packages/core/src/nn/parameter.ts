import { tf } from '../tf';

/**
 * How a parameter is stored here versus in a PyTorch state dict.
 * - `linear`: stored `[in, out]` (so a linear is one plain 2-D matMul), PyTorch `[out, in]`.
 * - `conv2d`: stored HWIO `[kh, kw, in, out]` (tfjs NHWC convs), PyTorch OIHW `[out, in, kh, kw]`.
 * - `same`: identical layout.
 */
export type ParameterLayout = 'same' | 'linear' | 'conv2d';

export interface ParameterOptions {
  /** Frozen parameters are in the state dict and the total count but never receive gradients. */
  trainable?: boolean;
  layout?: ParameterLayout;
  /** Weight decay applies to this parameter (AdamW excludes norms, biases, position embeddings, cls tokens). */
  decay?: boolean;
}

/** A named tensor owned by a module: a `tf.Variable` plus how it maps onto a PyTorch state dict. */
export class Parameter {
  readonly variable: tf.Variable;
  readonly trainable: boolean;
  readonly layout: ParameterLayout;
  readonly decay: boolean;

  constructor(value: tf.Tensor, options: ParameterOptions = {}) {
    this.trainable = options.trainable ?? true;
    this.layout = options.layout ?? 'same';
    this.decay = options.decay ?? value.rank > 1;
    this.variable = tf.variable(value, this.trainable);
  }

  get shape(): number[] {
    return this.variable.shape;
  }

  get size(): number {
    return this.variable.size;
  }

  /** Shape in the PyTorch layout. */
  get torchShape(): number[] {
    return toTorchShape(this.variable.shape, this.layout);
  }

  /** Returns a new tensor in the PyTorch layout (caller disposes). */
  toTorch(): tf.Tensor {
    return tf.tidy(() => fromLayoutToTorch(this.variable, this.layout));
  }

  /** Assigns from a tensor given in the PyTorch layout. */
  assignFromTorch(value: tf.Tensor): void {
    tf.tidy(() => this.variable.assign(fromTorchToLayout(value, this.layout)));
  }

  dispose(): void {
    this.variable.dispose();
  }
}

export function toTorchShape(shape: number[], layout: ParameterLayout): number[] {
  switch (layout) {
    case 'linear':
      return [shape[1], shape[0]];
    case 'conv2d':
      return [shape[3], shape[2], shape[0], shape[1]];
    default:
      return [...shape];
  }
}

function fromLayoutToTorch(x: tf.Tensor, layout: ParameterLayout): tf.Tensor {
  switch (layout) {
    case 'linear':
      return tf.transpose(x, [1, 0]);
    case 'conv2d':
      return tf.transpose(x, [3, 2, 0, 1]);
    default:
      return x.clone();
  }
}

function fromTorchToLayout(x: tf.Tensor, layout: ParameterLayout): tf.Tensor {
  switch (layout) {
    case 'linear':
      return tf.transpose(x, [1, 0]);
    case 'conv2d':
      return tf.transpose(x, [2, 3, 1, 0]);
    default:
      return x;
  }
}
