// Test helpers of @vitkit/explain: used by this package's and the CLI's tests only, never built into dist.
export * from './focused-vit';
