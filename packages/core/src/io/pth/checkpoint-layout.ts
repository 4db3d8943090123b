import type { TensorMap } from '../safetensors-format';
import { describePickled, OpaqueObject } from './pickle-values';
import { PthError } from './pth-error';
import { TorchTensor } from './torch-tensor';

/**
 * Which weights of a training checkpoint to take when it holds both the live and the EMA weights.
 * `auto` follows the official code of each layout: `state_dict_ema` over `state_dict` (T2T-ViT's
 * `load_for_transfer_learning`, timm's `use_ema`), `model` over `model_ema` (DeiT and CrossViT fine-tune from
 * `checkpoint['model']`).
 */
export type WeightsChoice = 'auto' | 'ema' | 'live';

// Entries that hold a state dict, by kind, in order of preference.
const LIVE_KEYS = ['state_dict', 'model', 'model_state_dict', 'net', 'network'];
const EMA_KEYS = ['state_dict_ema', 'model_ema', 'ema_state_dict', 'ema'];
// Prefixes that wrappers add to every name: DistributedDataParallel / DataParallel and torch.compile.
const WRAPPER_PREFIXES = ['module.', '_orig_mod.'];

export interface CheckpointWeights {
  tensors: TensorMap;
  /** The entry the weights came from (`state_dict_ema`, `model`, ...); null for a plain state dict. */
  entry: string | null;
  /** Other top-level entries (epoch, optimizer, args, ...), not read. */
  otherEntries: string[];
  /** Names in the state dict whose value is not a tensor (dropped). */
  skipped: string[];
  /** Wrapper prefixes removed from the names (`module.` of DDP). */
  strippedPrefixes: string[];
}

function hasTensor(m: Map<unknown, unknown>): boolean {
  for (const v of m.values()) if (v instanceof TorchTensor) return true;
  return false;
}

function pickEntry(root: Map<unknown, unknown>, choice: WeightsChoice, file: string): string | null {
  // Only dict-like entries count: some checkpoints keep e.g. `model: 'resnet50'` (a name) next to `state_dict`.
  const present = (keys: string[]) => keys.filter((k) => root.get(k) instanceof Map || root.get(k) instanceof OpaqueObject);
  const live = present(LIVE_KEYS);
  const ema = present(EMA_KEYS);
  if (choice === 'ema') {
    if (!ema.length) throw new PthError(file, `asked for the EMA weights but the checkpoint has none of ${EMA_KEYS.join(', ')} (entries: ${[...root.keys()].map(String).join(', ')})`);
    return ema[0];
  }
  if (choice === 'live') {
    if (live.length) return live[0];
    if (hasTensor(root)) return null;
    throw new PthError(file, `asked for the live weights but the checkpoint has none of ${LIVE_KEYS.join(', ')} (entries: ${[...root.keys()].map(String).join(', ')})`);
  }
  if (ema[0] === 'state_dict_ema') return 'state_dict_ema';
  if (live.length) return live[0];
  if (ema.length) return ema[0];
  return null;
}

/**
 * Finds the model weights in what `torch.save` wrote: a plain state dict, or a training checkpoint holding one
 * under a known entry; strips `module.` prefixes; materialises the tensors as float32 host tensors.
 */
export function checkpointWeights(root: unknown, file: string, choice: WeightsChoice = 'auto'): CheckpointWeights {
  if (root instanceof OpaqueObject) {
    throw new PthError(file, `the file holds ${root.toString()} (a whole pickled model, torch.save(model)), not a state dict; save model.state_dict() instead`);
  }
  if (!(root instanceof Map)) throw new PthError(file, `the file holds ${describePickled(root)}, not a state dict or a checkpoint dict`);
  const entry = pickEntry(root, choice, file);
  const dict = entry === null ? root : root.get(entry);
  if (dict instanceof OpaqueObject) {
    throw new PthError(file, `entry "${entry}" holds ${dict.toString()} (a whole pickled model), not a state dict; save model.state_dict() instead`);
  }
  if (!(dict instanceof Map)) throw new PthError(file, `entry "${entry}" holds ${describePickled(dict)}, not a state dict`);
  if (!hasTensor(dict)) {
    throw new PthError(file, `${entry === null ? 'the file' : `entry "${entry}"`} holds no tensor (entries: ${[...dict.keys()].slice(0, 8).map(String).join(', ')}${dict.size > 8 ? ', ...' : ''})`);
  }
  const tensors: TensorMap = new Map();
  const skipped: string[] = [];
  const stripped = new Set<string>();
  for (const [k, v] of dict) {
    const name = String(k);
    if (v instanceof OpaqueObject) {
      throw new PthError(file, `weight "${name}"${entry ? ` in "${entry}"` : ''} is ${v.toString()}, not a tensor`);
    }
    if (!(v instanceof TorchTensor)) {
      skipped.push(name);
      continue;
    }
    let clean = name;
    for (let again = true; again; ) {
      again = false;
      for (const p of WRAPPER_PREFIXES) {
        if (clean.startsWith(p)) {
          clean = clean.slice(p.length);
          stripped.add(p);
          again = true;
        }
      }
    }
    if (tensors.has(clean)) throw new PthError(file, `two weights map to "${clean}" once the ${[...stripped].join(', ')} prefix is removed`);
    tensors.set(clean, v.toHost(name, file));
  }
  return {
    tensors,
    entry,
    otherEntries: entry === null ? [] : [...root.keys()].map(String).filter((k) => k !== entry),
    skipped,
    strippedPrefixes: [...stripped],
  };
}
