// Test helpers of @vitkit/fusion: used by this package's tests only, never built into dist (tsconfig.build.json).
import type { Registry } from '@vitkit/core';
import { testRegistry as dualBranchRegistry } from '@vitkit/backbones/testing';

/**
 * The dual-branch test registry of @vitkit/backbones (patch and conv-stem tokenizers, the dual-branch backbone, every
 * fusion; a test-time devDependency through its testing entry) plus the tiny preset `x_tiny_dual`.
 */
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
