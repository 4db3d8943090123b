import { OpaqueGlobal, OpaqueObject, PyCallable } from './pickle-values';
import { PthError } from './pth-error';
import { rebuildTensor, STORAGE_DTYPES, StorageType, TorchTensor } from './torch-tensor';

/**
 * What a checkpoint's pickle may name, in the spirit of `torch/_weights_only_unpickler.py`: an allow-list of the
 * globals state dicts use, each replaced by a builder written here (nothing is imported or executed).
 *
 * Beyond PyTorch's weights-only mode, an unknown class from a harmless module (a training script's
 * `argparse.Namespace`, a NumPy scalar, a `__main__` config class) becomes an {@link OpaqueObject}: training
 * checkpoints keep such things next to the weights, and the weights are what we want. The layout step refuses an
 * opaque object wherever a tensor is expected. Globals from modules that can reach the system, import code or call
 * arbitrary functions (`os`, `subprocess`, `builtins`, `operator`, `functools`, unknown `torch.*`, ...) are refused
 * at once with their name, wherever they appear.
 */

// Modules whose globals are refused outright; a prefix covers its submodules (`os` covers `os.path`).
const REFUSED_MODULES = [
  'os', 'posix', 'nt', 'posixpath', 'ntpath', 'subprocess', 'sys', 'builtins', '__builtin__', 'shutil', 'socket',
  'importlib', 'imp', 'runpy', 'pickle', '_pickle', 'cPickle', 'marshal', 'types', 'ctypes', 'code', 'codeop', 'pty',
  'webbrowser', 'commands', 'platform', 'pdb', 'bdb', 'timeit', 'multiprocessing', 'threading', '_thread', 'asyncio',
  'signal', 'io', '_io', 'pathlib', 'tempfile', 'glob', 'urllib', 'urllib2', 'http', 'httplib', 'ftplib', 'smtplib',
  'telnetlib', 'requests', 'operator', '_operator', 'functools', '_functools', 'itertools', 'codecs', '_codecs',
  'copyreg', 'copy_reg', 'inspect', 'gc', 'site', 'sysconfig', 'distutils', 'setuptools', 'pip', 'zipimport',
  'torch', 'numpy', 'dill', 'joblib', 'yaml', 'jinja2', 'IPython', 'logging', 'atexit', 'select', 'selectors',
];

/** Classes of otherwise refused modules that are plain data (no code runs when Python builds them). */
const TOLERATED = new Set([
  'numpy.core.multiarray.scalar',
  'numpy._core.multiarray.scalar',
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'numpy.dtype',
  'numpy.ndarray',
  'torch.torch_version.TorchVersion',
]);

function isRefusedModule(module: string): boolean {
  return REFUSED_MODULES.some((m) => module === m || module.startsWith(`${m}.`));
}

const TORCH_DTYPES = ['float32', 'float', 'float16', 'half', 'bfloat16', 'float64', 'double', 'int64', 'long', 'int32', 'int', 'int16', 'int8', 'uint8', 'bool'];

function tensorOf(x: unknown, what: string, file: string): TorchTensor {
  if (!(x instanceof TorchTensor)) throw new PthError(file, `${what} wraps ${x instanceof OpaqueObject ? x.toString() : typeof x}, not a tensor`);
  return x;
}

function pairsToMap(items: unknown): Map<unknown, unknown> {
  const m = new Map<unknown, unknown>();
  if (Array.isArray(items)) for (const p of items) if (Array.isArray(p) && p.length === 2) m.set(p[0], p[1]);
  return m;
}

function allowed(file: string): Map<string, PyCallable | StorageType> {
  const table = new Map<string, PyCallable | StorageType>();
  const fn = (qualifiedName: string, call: (args: unknown[]) => unknown) => table.set(qualifiedName, new PyCallable(qualifiedName, call));

  fn('collections.OrderedDict', (args) => pairsToMap(args[0]));
  fn('torch._utils._rebuild_tensor_v2', (args) => rebuildTensor(args, file));
  fn('torch._utils._rebuild_tensor', (args) => rebuildTensor(args, file));
  fn('torch._utils._rebuild_parameter', (args) => tensorOf(args[0], 'torch.nn.Parameter', file));
  fn('torch._utils._rebuild_parameter_with_state', (args) => tensorOf(args[0], 'torch.nn.Parameter', file));
  fn('torch._tensor._rebuild_from_type_v2', (args) => {
    // (func, new_type, args, state): a Tensor subclass; the data is func(*args).
    const [func, , inner] = args;
    if (!(func instanceof PyCallable) || !Array.isArray(inner)) throw new PthError(file, 'torch._tensor._rebuild_from_type_v2 with malformed arguments');
    return func.call(inner);
  });
  fn('torch.nn.parameter.Parameter', (args) => tensorOf(args[0], 'torch.nn.Parameter', file));
  fn('torch.Tensor', (args) => tensorOf(args[0], 'torch.Tensor', file));
  fn('torch.Size', (args) => (Array.isArray(args[0]) ? [...args[0]] : []));
  fn('torch.device', (args) => args.map(String).join(':'));
  for (const d of TORCH_DTYPES) fn(`torch.${d}`, () => `torch.${d}`);
  for (const [name, dtype] of Object.entries(STORAGE_DTYPES)) table.set(`torch.${name}`, new StorageType(name, dtype));
  for (const name of ['ComplexFloatStorage', 'ComplexDoubleStorage', 'QInt8Storage', 'QUInt8Storage', 'QInt32Storage', 'QUInt4x2Storage', 'QUInt2x4Storage']) {
    table.set(`torch.${name}`, new StorageType(name, null));
  }
  // Protocol 2 pickles Python 3 bytes as _codecs.encode(text, 'latin1'); only that decoding is built.
  fn('_codecs.encode', (args) => {
    const [text, encoding] = args;
    if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) throw new PthError(file, `_codecs.encode is only allowed for latin1 bytes, got encoding ${String(encoding)}`);
    return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
  });
  fn('builtins.set', (args) => new Set(Array.isArray(args[0]) ? args[0] : []));
  fn('builtins.frozenset', (args) => new Set(Array.isArray(args[0]) ? args[0] : []));
  fn('builtins.bytearray', (args) => (args[0] instanceof Uint8Array ? args[0] : new Uint8Array(0)));
  fn('__builtin__.set', (args) => new Set(Array.isArray(args[0]) ? args[0] : []));
  // Protocol 0/1 objects: copyreg._reconstructor(cls, base, state); only a class the reader allows or tolerates.
  for (const m of ['copyreg', 'copy_reg']) {
    fn(`${m}._reconstructor`, (args) => {
      const cls = args[0];
      if (cls instanceof OpaqueGlobal) return new OpaqueObject(cls.qualifiedName);
      if (cls instanceof PyCallable) return cls.call([]);
      throw new PthError(file, `${m}._reconstructor of something that is not a class`);
    });
  }
  return table;
}

/** Resolves the globals of one checkpoint; `file` names it in errors. */
export function torchGlobals(file: string): (module: string, name: string) => PyCallable | OpaqueGlobal | StorageType {
  const table = allowed(file);
  return (module, name) => {
    const qualified = `${module}.${name}`;
    const known = table.get(qualified);
    if (known) return known;
    if (TOLERATED.has(qualified) || module.startsWith('torch.nn.modules.')) return new OpaqueGlobal(qualified);
    if (isRefusedModule(module)) {
      throw new PthError(file, `refusing to load: the pickle names the global ${qualified}, which is not on the reader's allow-list (a pickle can run code through it; vitkit never does)`);
    }
    return new OpaqueGlobal(qualified);
  };
}
