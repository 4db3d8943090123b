import { ELEMENT_BYTES } from '../tensor-bytes';
import { PthError } from './pth-error';
import { torchGlobals } from './torch-globals';
import { StorageType, swapBytes, TorchStorage } from './torch-tensor';
import { PickleError, Unpickler } from './unpickler';
import { readZipEntries } from './zip-archive';

/** The object `torch.save` wrote, with tensors as lazy {@link TorchStorage} views (decoded when materialised). */
export interface PthContents {
  root: unknown;
  /** `zip`: torch >= 1.6 (`_use_new_zipfile_serialization=True`, the default); `legacy`: the older stream. */
  format: 'zip' | 'legacy';
}

// torch/serialization.py constants of the legacy stream.
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** A legacy checkpoint starts with a pickled integer (PROTO 2, LONG1 magic). */
export function isLegacyPth(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5;
}

function isTar(bytes: Uint8Array): boolean {
  return bytes.length > 262 && String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar';
}

function persistentId(pid: unknown, file: string): { type: StorageType; key: string; numel: number; rest: unknown[] } {
  if (!Array.isArray(pid) || pid[0] !== 'storage') {
    if (Array.isArray(pid) && pid[0] === 'module') {
      throw new PthError(file, 'the file pickles a whole nn.Module with its source (torch.save(model)); save model.state_dict() instead');
    }
    throw new PthError(file, `unknown persistent id ${JSON.stringify(Array.isArray(pid) ? pid[0] : typeof pid)} (only storages are read)`);
  }
  const [, type, key, , numel, ...rest] = pid;
  if (!(type instanceof StorageType)) throw new PthError(file, `storage ${String(key)} has no torch storage type`);
  if ((typeof key !== 'string' && typeof key !== 'number') || !Number.isInteger(numel) || (numel as number) < 0) {
    throw new PthError(file, `malformed storage reference ${JSON.stringify([String(key), String(numel)])}`);
  }
  return { type, key: String(key), numel: numel as number, rest };
}

function unpickle(up: Unpickler, file: string, what: string): unknown {
  try {
    return up.load();
  } catch (e) {
    if (e instanceof PickleError) throw new PthError(file, `${what}: ${e.message}`);
    throw e;
  }
}

function readZip(bytes: Uint8Array, file: string): PthContents {
  const entries = readZipEntries(bytes, file);
  const names = [...entries.keys()];
  const pkl = names.find((n) => /^([^/]+\/)?data\.pkl$/.test(n));
  if (!pkl) {
    if (names.some((n) => /(^|\/)(constants\.pkl|code\/)/.test(n))) {
      throw new PthError(file, 'this is a TorchScript archive (torch.jit.save), not a checkpoint; in Python: torch.save(torch.jit.load(f).state_dict(), "weights.pth")');
    }
    throw new PthError(file, `zip archive without data.pkl (entries: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}); not a PyTorch checkpoint`);
  }
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const order = entries.get(`${prefix}byteorder`);
  const bigEndian = order !== undefined && new TextDecoder().decode(order).trim() === 'big';
  const storages = new Map<string, TorchStorage>();
  const globals = torchGlobals(file);
  const up = new Unpickler(entries.get(pkl)!, {
    findGlobal: globals,
    persistentLoad: (pid) => {
      const { type, key, numel } = persistentId(pid, file);
      let s = storages.get(key);
      if (!s) {
        const entry = `${prefix}data/${key}`;
        s = new TorchStorage(
          key,
          type,
          numel,
          () => {
            const data = entries.get(entry);
            if (!data) throw new PthError(file, `storage ${key} is missing from the archive (no entry ${entry}; truncated?)`);
            return bigEndian && type.dtype ? swapBytes(data, ELEMENT_BYTES[type.dtype]) : data;
          },
          file,
        );
        storages.set(key, s);
      }
      return s;
    },
  });
  return { root: unpickle(up, file, 'data.pkl'), format: 'zip' };
}

function readLegacy(bytes: Uint8Array, file: string): PthContents {
  const refuseGlobals = () => {
    throw new PthError(file, 'the legacy header holds a global');
  };
  const header = new Unpickler(bytes, { findGlobal: refuseGlobals, persistentLoad: refuseGlobals });
  const magic = unpickle(header, file, 'legacy header');
  if (BigInt(typeof magic === 'number' || typeof magic === 'bigint' ? magic : -1) !== LEGACY_MAGIC) {
    throw new PthError(file, 'not a PyTorch checkpoint (no zip archive and no legacy magic number)');
  }
  const protocol = unpickle(header, file, 'legacy header');
  if (protocol !== LEGACY_PROTOCOL) throw new PthError(file, `legacy checkpoint protocol ${String(protocol)} is not ${LEGACY_PROTOCOL}`);
  const sysInfo = unpickle(header, file, 'legacy header');
  const littleEndian = !(sysInfo instanceof Map) || sysInfo.get('little_endian') !== false;

  // Storage bytes follow the pickle; they are attached once the key list is read.
  const raw = new Map<string, Uint8Array>();
  const roots = new Map<string, TorchStorage>();
  const views = new Map<string, TorchStorage>();
  const root = (key: string, type: StorageType, numel: number) => {
    let s = roots.get(key);
    if (!s) {
      s = new TorchStorage(
        key,
        type,
        numel,
        () => {
          const data = raw.get(key);
          if (!data) throw new PthError(file, `storage ${key} has no data after the pickle (truncated?)`);
          return data;
        },
        file,
      );
      roots.set(key, s);
    }
    return s;
  };
  const body = new Unpickler(bytes, {
    findGlobal: torchGlobals(file),
    persistentLoad: (pid) => {
      const { type, key, numel, rest } = persistentId(pid, file);
      const base = root(key, type, numel);
      const view = rest[0];
      if (view === null || view === undefined) return base;
      // Very old files: (view_key, offset, size) of a slice of the root storage.
      if (!Array.isArray(view) || view.length !== 3 || !view.slice(1).every((v) => Number.isInteger(v) && v >= 0)) throw new PthError(file, `malformed storage view of ${key}`);
      const [viewKey, offset, size] = view as [string, number, number];
      let v = views.get(String(viewKey));
      if (!v) {
        const width = type.dtype ? ELEMENT_BYTES[type.dtype] : 1;
        v = new TorchStorage(String(viewKey), type, size, () => base.bytes().subarray(offset * width, (offset + size) * width), file);
        views.set(String(viewKey), v);
      }
      return v;
    },
  }, header.offset);
  const result = unpickle(body, file, 'legacy pickle');
  const keys = new Unpickler(bytes, { findGlobal: refuseGlobals, persistentLoad: refuseGlobals }, body.offset);
  const keyList = unpickle(keys, file, 'legacy storage list');
  if (!Array.isArray(keyList)) throw new PthError(file, 'legacy storage list is not a list');
  let at = keys.offset;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const k of keyList) {
    const key = String(k);
    const s = roots.get(key);
    if (!s) throw new PthError(file, `legacy storage list names ${key}, which no tensor uses`);
    if (at + 8 > bytes.length) throw new PthError(file, `storage ${key}: the file ends before its size (truncated)`);
    const numel = Number(dv.getBigInt64(at, littleEndian));
    const width = s.type.dtype ? ELEMENT_BYTES[s.type.dtype] : 1;
    const end = at + 8 + numel * width;
    if (numel < 0 || end > bytes.length) throw new PthError(file, `storage ${key}: ${numel} elements do not fit in the file (truncated)`);
    const data = bytes.subarray(at + 8, end);
    raw.set(key, littleEndian ? data : swapBytes(data, width));
    at = end;
  }
  return { root: result, format: 'legacy' };
}

/** Parses a PyTorch checkpoint (either format) without running any of its code. `file` names it in errors. */
export function parsePth(bytes: Uint8Array, file = '<buffer>'): PthContents {
  if (isZip(bytes)) return readZip(bytes, file);
  if (isLegacyPth(bytes)) return readLegacy(bytes, file);
  if (isTar(bytes)) throw new PthError(file, 'a tar-format checkpoint (torch < 0.4) is not read; re-save it with a newer torch');
  throw new PthError(file, 'not a PyTorch checkpoint (neither a zip archive nor a legacy pickle stream)');
}
