import { OnnxEmitters } from '../registry';
import { coreOnnx } from './core';
import { crossvitOnnx } from './crossvit';
import { resnetOnnx } from './resnet';
import { vtResnetOnnx } from './vt-resnet';
import { t2tOnnx } from './t2t';
import { t2tDesignsOnnx } from './t2t-designs';
import { vitOnnx } from './vit';
import { segmentationOnnx } from './segmentation';

/** The first-party emitters: core's layers and every exportable family. */
export function defaultEmitters(): OnnxEmitters {
  return new OnnxEmitters().use(coreOnnx).use(vitOnnx).use(t2tOnnx).use(t2tDesignsOnnx).use(crossvitOnnx).use(resnetOnnx).use(vtResnetOnnx).use(segmentationOnnx);
}
