import type { OnnxPlugin } from './registry';

function isOnnxPlugin(v: unknown): v is OnnxPlugin {
  return typeof v === 'object' && v !== null && typeof (v as OnnxPlugin).register === 'function' && typeof (v as OnnxPlugin).name === 'string';
}

/**
 * The ONNX emitters a plugin module provides: its `onnx` export (or `default.onnx`), an `OnnxPlugin`. A vitkit plugin
 * package makes its components exportable by exporting `onnx` next to `plugin`; undefined when it provides none.
 */
export function onnxPluginOf(mod: unknown): OnnxPlugin | undefined {
  const m = mod as { onnx?: unknown; default?: { onnx?: unknown } } | null;
  const candidate = m?.onnx ?? m?.default?.onnx;
  return isOnnxPlugin(candidate) ? candidate : undefined;
}
