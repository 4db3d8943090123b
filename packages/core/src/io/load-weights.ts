import { parseWeights } from './parse-weights';
import type { ReadWeightsOptions, WeightsFile } from './parse-weights';

/** What {@link loadWeights} takes: a URL (fetched), bytes, or a `File` / `Blob` (a file input, a drop). */
export type WeightsSource = string | URL | ArrayBuffer | ArrayBufferView | Blob;

/** The bytes of a weights source, and the name errors give it. */
async function bytesOf(source: WeightsSource, name: string | undefined): Promise<{ bytes: Uint8Array; name: string }> {
  if (typeof source === 'string' || source instanceof URL) {
    const url = String(source);
    let response: Response;
    try {
      response = await fetch(url);
    } catch (e) {
      throw new Error(`loadWeights: cannot fetch ${url} (${(e as Error).message})`);
    }
    if (!response.ok) throw new Error(`loadWeights: cannot fetch ${url} (HTTP ${response.status} ${response.statusText})`.trimEnd());
    return { bytes: new Uint8Array(await response.arrayBuffer()), name: name ?? url };
  }
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), name: name ?? '<ArrayBuffer>' };
  if (ArrayBuffer.isView(source)) return { bytes: new Uint8Array(source.buffer, source.byteOffset, source.byteLength), name: name ?? '<bytes>' };
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    const fileName = (source as Blob & { name?: string }).name;
    return { bytes: new Uint8Array(await source.arrayBuffer()), name: name ?? (fileName || '<Blob>') };
  }
  throw new TypeError(`loadWeights: expected a URL, an ArrayBuffer, bytes or a File/Blob, got ${Object.prototype.toString.call(source)}`);
}

/**
 * Model weights from a URL (fetched; relative URLs resolve against the page), an `ArrayBuffer` or typed array, or a
 * `File`/`Blob`: safetensors or a PyTorch checkpoint, recognised from the content. Portable: the way to get weights
 * in a browser (in Node, `readWeights` takes a file path).
 */
export async function loadWeights(source: WeightsSource, options: ReadWeightsOptions = {}): Promise<WeightsFile> {
  const { bytes, name } = await bytesOf(source, options.source);
  return parseWeights(bytes, name, { weights: options.weights });
}
