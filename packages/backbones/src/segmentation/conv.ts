import { Conv2d, GroupNorm, init, relu, tf } from '@vitkit/core';

/** Detectron2 `c2_xavier_fill`: kaiming-uniform with a = 1 (bound √(3 / fan_in)), zero bias: the FPN convs' init. */
export function xavierFillConv(inC: number, outC: number, k: number): Conv2d {
  return new Conv2d(inC, outC, k, { padding: (k - 1) / 2, weightInit: init.uniform(Math.sqrt(3 / (inC * k * k))), biasInit: init.zeros });
}

/**
 * Detectron2's `Conv2d(…, bias=False, norm=GroupNorm, activation=relu)` with `c2_msra_fill` (kaiming normal,
 * fan_out): a 3×3 conv whose GroupNorm is its child `norm`, so names are `weight`, `norm.weight`, `norm.bias`.
 */
export class ConvGnRelu extends Conv2d {
  readonly norm: GroupNorm;

  constructor(inC: number, outC: number, groups: number) {
    super(inC, outC, 3, { padding: 1, bias: false, weightInit: init.kaimingNormalFanOut(outC * 9) });
    this.norm = this.addModule('norm', new GroupNorm(groups, outC));
  }

  override forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => relu(this.norm.forward(super.forward(x))));
  }
}
