/// <reference types="jest" />
// Test kit for plugin authors (`@vitkit/core/testing`): registry contract tests and backend helpers. Needs jest.
export { describeRegistryContract } from './contract';
export type { ContractOptions } from './contract';
export { TEST_BACKENDS, useBackend } from './backends';
export { gradcheck, expectGradientsMatch, describeGradcheck, maxAbsDiff, seededValues, seededNormal } from './gradcheck';
export type { GradcheckOptions, GradcheckResult, GradcheckEntry } from './gradcheck';
export { randomData, randomTensor, runOn, relError, measureTensorLeak, NO_TENSOR_LEAK } from './numerics';
export type { TensorLeak } from './numerics';
export { sharedDir, fixturePath, referencePath } from './reference-data';
