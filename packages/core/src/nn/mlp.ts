import { tf } from '../tf';
import { GELU } from './activations';
import { Dropout } from './dropout';
import { Initializer } from './init';
import { Layer } from './layer';
import { Linear } from './linear';

export interface MlpOptions {
  hiddenFeatures: number;
  outFeatures?: number;
  drop?: number;
  act?: Layer;
  weightInit?: Initializer;
  biasInit?: Initializer;
}

/** fc1 → activation (exact GELU) → dropout → fc2 → dropout (timm `Mlp`). */
export class Mlp extends Layer {
  readonly fc1: Linear;
  readonly fc2: Linear;
  private readonly act: Layer;
  private readonly drop: Dropout;

  constructor(readonly inFeatures: number, options: MlpOptions) {
    super();
    const init = { weightInit: options.weightInit, biasInit: options.biasInit };
    this.fc1 = this.addModule('fc1', new Linear(inFeatures, options.hiddenFeatures, init));
    this.act = this.addModule('act', options.act ?? new GELU());
    this.fc2 = this.addModule('fc2', new Linear(options.hiddenFeatures, options.outFeatures ?? inFeatures, init));
    this.drop = this.addModule('drop', new Dropout(options.drop ?? 0));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.drop.forward(this.fc2.forward(this.drop.forward(this.act.forward(this.fc1.forward(x))))));
  }
}
