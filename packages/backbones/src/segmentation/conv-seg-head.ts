import { Conv2d, Module, s, tf } from '@vitkit/core';
import type { ComponentDefinition, SchemaType, SegHead } from '@vitkit/core';
import { resizeBilinear } from './upsample';

export const convSegHeadOptions = s.object({
  /** Channels of the neck's maps, finest first (inherited); only the finest is read. */
  inChannels: s.array(s.int({ min: 1 }), { minLength: 1 }),
  strides: s.optional(s.array(s.int({ min: 1 }), { minLength: 1 })),
  numClasses: s.int({ min: 1 }),
});

export type ConvSegHeadOptions = SchemaType<typeof convSegHeadOptions>;

/** The plainest segmentation head: a 1×1 conv (`conv`) on the finest map to class logits, bilinear upsample to the input size. */
export class ConvSegHead extends Module implements SegHead {
  readonly conv: Conv2d;

  constructor(readonly options: ConvSegHeadOptions) {
    super();
    this.conv = this.addModule('conv', new Conv2d(options.inChannels[0], options.numClasses, 1));
  }

  forward(features: tf.Tensor4D[], outputSize: readonly [number, number]): tf.Tensor4D {
    return tf.tidy(() => resizeBilinear(this.conv.forward(features[0]) as tf.Tensor4D, outputSize));
  }
}

export const convSegHead: ComponentDefinition<ConvSegHeadOptions, ConvSegHead> = {
  kind: 'seg-head',
  name: 'conv1x1',
  owner: '@vitkit/backbones',
  description: '1×1 conv to classes on the finest map, bilinear upsample to the input size',
  options: convSegHeadOptions,
  example: { inChannels: [8, 8], strides: [4, 8], numClasses: 3 },
  create: (o: ConvSegHeadOptions) => new ConvSegHead(o),
};
