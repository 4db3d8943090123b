import type { Registry } from '@vitkit/core';
import { testRegistry as dualBranchRegistry } from '../../backbones/src/dual-branch/test-utils';

/** The dual-branch test registry (patch and conv-stem tokenizers, dual-branch backbone, the fusions) + `x_tiny_dual`. */
export function testRegistry(): Registry {
  return dualBranchRegistry((r) =>
    r.registerPreset({
      name: 'x_tiny_dual',
      owner: 'x-test',
      description: 'tiny two-branch model for tests',
      spec: tinySpec('cross-attention'),
      referenceInput: [3, 24, 24],
    }),
  );
}

/** Tiny dual-branch spec: 24 px input, branches 24/6 (16 patches) and 16/8 (4 patches, bicubic-resized input). */
export function tinySpec(fusion: unknown, extra: Record<string, unknown> = {}): { type: string } & Record<string, unknown> {
  return {
    type: 'dual-branch',
    imgSize: [24, 16],
    patchSize: [6, 8],
    numClasses: 4,
    embedDim: [16, 32],
    depth: [
      [1, 1, 0],
      [1, 1, 0],
    ],
    numHeads: [2, 2],
    mlpRatio: [2, 2],
    fusion,
    ...extra,
  };
}
