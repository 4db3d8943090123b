// Test helpers of @vitkit/fusion: used by this package's tests only, never built into dist (tsconfig.build.json).
import { createRegistry, Registry } from '@vitkit/core';
import { registerDualBranch } from '@vitkit/backbones';
import { registerConvStem, registerPatch } from '@vitkit/tokenizers';
import { plugin as fusionPlugin } from '../index';

/**
 * A registry with the patch and conv-stem tokenizers, the dual-branch backbone (test-time devDependencies,
 * through their public entries), every fusion of this package and the tiny preset `x_tiny_dual`.
 */
export function testRegistry(): Registry {
  return createRegistry({
    plugins: [
      {
        name: 'x-test',
        register: (r) => {
          registerPatch(r);
          registerConvStem(r);
          registerDualBranch(r);
          fusionPlugin.register(r);
          r.registerPreset({
            name: 'x_tiny_dual',
            owner: 'x-test',
            description: 'tiny two-branch model for tests',
            spec: tinySpec('cross-attention'),
            referenceInput: [3, 24, 24],
          });
        },
      },
    ],
  });
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
