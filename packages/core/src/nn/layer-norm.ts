import { tf } from '../tf';
import { layerNorm } from '../ops/layer-norm';
import { Layer } from './layer';
import { Parameter } from './parameter';

/** LayerNorm over the last axis with biased variance: `(x − μ)/√(σ² + eps)·γ + β`. */
export class LayerNorm extends Layer {
  readonly weight: Parameter;
  readonly bias: Parameter;

  /** `eps` has no default on purpose: T2T-ViT uses 1e-5, CrossViT 1e-6, and a wrong one is invisible in tests. */
  constructor(readonly dim: number, readonly eps: number) {
    super();
    this.weight = this.addParameter('weight', tf.ones([dim]), { decay: false });
    this.bias = this.addParameter('bias', tf.zeros([dim]), { decay: false });
  }

  forward(x: tf.Tensor): tf.Tensor {
    return layerNorm(x, this.weight.variable, this.bias.variable, this.eps);
  }
}
