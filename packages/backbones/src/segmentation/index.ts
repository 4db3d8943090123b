import type { PresetDefinition, RegistryLike } from '@vitkit/core';
import { convSegHead } from './conv-seg-head';
import { fpnNeck } from './fpn';
import { segmenter } from './segmenter';
import { semanticFpnHead } from './semantic-fpn-head';
import { vtFpnNeck } from './vt-fpn';

export { Fpn, fpnNeck, fpnOptions } from './fpn';
export type { FpnOptions } from './fpn';
export { VtFpn, vtFpnNeck, vtFpnOptions } from './vt-fpn';
export type { VtFpnOptions } from './vt-fpn';
export { SemanticFpnHead, semanticFpnHead, semanticFpnHeadOptions } from './semantic-fpn-head';
export type { SemanticFpnHeadOptions } from './semantic-fpn-head';
export { ConvSegHead, convSegHead, convSegHeadOptions } from './conv-seg-head';
export type { ConvSegHeadOptions } from './conv-seg-head';
export { Segmenter, segmenter, segmenterOptions } from './segmenter';
export type { SegmenterOptions } from './segmenter';
export { ConvGnRelu } from './conv';
export { bilinearTaps, nearestTaps, Upsample2x } from './upsample';
export { resizeBilinear, resizeNearest } from './upsample';

const owner = '@vitkit/backbones';

/** COCO-Stuff's 171 used classes (80 things + 91 stuff) at the VT paper's Table 9 resolution. */
const COCO_STUFF = { numClasses: 171, imgSize: [800, 1216] };
const R50 = { type: 'resnet', block: 'bottleneck', layers: [3, 4, 6, 3] };
const R101 = { type: 'resnet', block: 'bottleneck', layers: [3, 4, 23, 3] };
const FPN = { type: 'fpn', outChannels: 256 };
/** VT paper §4.2: 8 visual tokens of 1024 channels per level, on the FPN's 256-channel levels. */
const VT_FPN = { type: 'vt-fpn', outChannels: 256, numTokens: 8, tokenChannels: 1024, tokenizer: 'filter' };
const HEAD = { type: 'semantic-fpn', convDims: 128, commonStride: 4, groups: 32 };

function preset(name: string, description: string, backbone: object, neck: object): PresetDefinition {
  return { name, owner, description, kind: 'segmenter', spec: { type: 'segmentation', backbone, neck, head: HEAD, ...COCO_STUFF } };
}

/** The four models of VT paper Table 9 (COCO-Stuff, 800×1216). */
export const segmentationPresets: PresetDefinition[] = [
  preset('fpn_resnet50', 'Panoptic-FPN semantic segmentation on ResNet-50 (VT paper Table 9 baseline; FPN 256, branch 128, COCO-Stuff 171 classes)', R50, FPN),
  preset('vt_fpn_resnet50', 'VT-FPN on ResNet-50 (VT paper Table 9: 8 tokens of 1024 channels per level, one transformer)', R50, VT_FPN),
  preset('fpn_resnet101', 'Panoptic-FPN semantic segmentation on ResNet-101 (VT paper Table 9 baseline)', R101, FPN),
  preset('vt_fpn_resnet101', 'VT-FPN on ResNet-101 (VT paper Table 9)', R101, VT_FPN),
];

/** Registers the necks, segmentation heads, the segmentation model and its presets. */
export function registerSegmentation(registry: RegistryLike): void {
  registry.register(fpnNeck);
  registry.register(vtFpnNeck);
  registry.register(semanticFpnHead);
  registry.register(convSegHead);
  registry.register(segmenter);
  for (const p of segmentationPresets) registry.registerPreset(p);
}
