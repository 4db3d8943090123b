// @vitkit/core for browsers (ES modules, `exports` condition `browser`): the portable API plus the browser's engines
// (WebGPU, WebGL, wasm, cpu). No file system, no `require`: weights come from `loadWeights` (a URL, bytes or a File),
// images from `imageToInput` (an <img>, a <canvas>, an ImageBitmap).
export * from './portable';

export { selectBackend } from './browser/select-backend';
export { BROWSER_ENGINES } from './browser/engines';
export { createRegistry } from './browser/create-registry';
export { wasmKernelsRegistered } from './browser/wasm-kernels';
