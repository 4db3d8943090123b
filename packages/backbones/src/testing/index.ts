// Test helpers of @vitkit/backbones: used by this package's tests only, never built into dist (tsconfig.build.json).
export * from './t2t';
export * from './train';
export * from './vt-resnet';
export * from './dual-branch';
export * from './resnet-fixtures';
export * from './parity-fixtures';
