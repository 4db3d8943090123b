export { registerNativeBackend, NATIVE_KERNELS } from './register';
export type { NativeOptions, NativeRegistration } from './register';
export { NATIVE_BACKEND, NativeBackend } from './backend';
export { loadAddon, addonCandidates, platformPackageName, HOW_TO_GET_NATIVE } from './addon';
export type { AddonLoad, NativeAddon } from './addon';
