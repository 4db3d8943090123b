import { firstPartyRegistry } from './testing/fixtures';
import type { ModelSpec } from '@vitkit/core';
import { describeExportParity } from './testing/ort';

const resnet = { type: 'resnet', layers: [1, 1, 1, 1], widths: [4, 8, 8, 16], numClasses: 5, imgSize: 32 };
const vt = { type: 'vt-resnet', layers: [1, 1, 1], widths: [4, 8, 8], numClasses: 5, imgSize: 32, tokenChannels: 12, numTokens: 4, vtModules: 2 };

const CASES: Array<[string, ModelSpec]> = [
  ['resnet, basic blocks', { ...resnet, block: 'basic' }],
  ['resnet, bottleneck blocks', { ...resnet, block: 'bottleneck' }],
  ['vt-resnet, filter + recurrent tokenizers, transformer, projector', { ...vt }],
  ['vt-resnet, adapter channels, projector on the last module', { ...vt, channels: 6, projectLast: true }],
  ['vt-resnet, pooling tokenizer, graph-conv interaction', { ...vt, tokenizer: 'pooling', recurrent: false, interaction: 'graph-conv' }],
  ['vt-resnet, clustering tokenizer (k-means unrolled), bottleneck', { ...vt, block: 'bottleneck', tokenizer: 'clustering', interaction: 'none' }],
  ['vt-resnet, clustering with 0 iterations', { ...vt, tokenizer: { type: 'clustering', iterations: 0 }, recurrent: false }],
];

describeExportParity('ONNX export of ResNet and VT-ResNet, run in onnxruntime-node', firstPartyRegistry, CASES);
