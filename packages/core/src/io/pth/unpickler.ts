import { OpaqueGlobal, OpaqueObject, PyCallable } from './pickle-values';

/**
 * What the unpickler asks of its caller. `findGlobal` decides what a `GLOBAL` names (it throws to refuse one);
 * `persistentLoad` turns a persistent id (PyTorch's storage references) into a value.
 */
export interface UnpicklerHooks {
  findGlobal(module: string, name: string): unknown;
  persistentLoad(pid: unknown): unknown;
}

export class PickleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PickleError';
  }
}

// Opcodes of pickle protocols 0-5 (CPython's Lib/pickle.py names).
const OP = {
  MARK: 0x28, STOP: 0x2e, POP: 0x30, POP_MARK: 0x31, DUP: 0x32, FLOAT: 0x46, INT: 0x49, BININT: 0x4a, BININT1: 0x4b,
  LONG: 0x4c, BININT2: 0x4d, NONE: 0x4e, PERSID: 0x50, BINPERSID: 0x51, REDUCE: 0x52, STRING: 0x53, BINSTRING: 0x54,
  SHORT_BINSTRING: 0x55, UNICODE: 0x56, BINUNICODE: 0x58, APPEND: 0x61, BUILD: 0x62, GLOBAL: 0x63, DICT: 0x64,
  EMPTY_DICT: 0x7d, APPENDS: 0x65, GET: 0x67, BINGET: 0x68, INST: 0x69, LONG_BINGET: 0x6a, LIST: 0x6c, EMPTY_LIST: 0x5d,
  OBJ: 0x6f, PUT: 0x70, BINPUT: 0x71, LONG_BINPUT: 0x72, SETITEM: 0x73, TUPLE: 0x74, EMPTY_TUPLE: 0x29, SETITEMS: 0x75,
  BINFLOAT: 0x47, PROTO: 0x80, NEWOBJ: 0x81, EXT1: 0x82, EXT2: 0x83, EXT4: 0x84, TUPLE1: 0x85, TUPLE2: 0x86,
  TUPLE3: 0x87, NEWTRUE: 0x88, NEWFALSE: 0x89, LONG1: 0x8a, LONG4: 0x8b, BINBYTES: 0x42, SHORT_BINBYTES: 0x43,
  SHORT_BINUNICODE: 0x8c, BINUNICODE8: 0x8d, BINBYTES8: 0x8e, EMPTY_SET: 0x8f, ADDITEMS: 0x90, FROZENSET: 0x91,
  NEWOBJ_EX: 0x92, STACK_GLOBAL: 0x93, MEMOIZE: 0x94, FRAME: 0x95, BYTEARRAY8: 0x96, NEXT_BUFFER: 0x97,
  READONLY_BUFFER: 0x98,
} as const;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

function safeInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Two's-complement little-endian integer of LONG1/LONG4. */
function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return safeInt(v);
}

/**
 * A pickle virtual machine that only builds data. It imports nothing and calls nothing: a `GLOBAL` is whatever
 * `hooks.findGlobal` answers, `REDUCE`/`NEWOBJ` call only the {@link PyCallable}s it handed out, and `BUILD`
 * (Python's `__setstate__`) is ignored. Extension codes and out-of-band buffers are refused.
 */
export class Unpickler {
  private pos: number;
  private stack: unknown[] = [];
  private readonly metastack: unknown[][] = [];
  private readonly memo = new Map<number, unknown>();

  constructor(
    private readonly bytes: Uint8Array,
    private readonly hooks: UnpicklerHooks,
    start = 0,
  ) {
    this.pos = start;
  }

  /** Offset just after the last `STOP` read (the next pickle of a legacy checkpoint starts there). */
  get offset(): number {
    return this.pos;
  }

  private fail(message: string): never {
    throw new PickleError(`pickle at byte ${this.pos}: ${message}`);
  }

  private take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.bytes.length) this.fail(`needs ${n} bytes but ${this.bytes.length - this.pos} remain (truncated)`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private u8(): number {
    return this.take(1)[0];
  }

  private view(n: number): DataView {
    const b = this.take(n);
    return new DataView(b.buffer, b.byteOffset, n);
  }

  private u32(): number {
    return this.view(4).getUint32(0, true);
  }

  private u64(): number {
    const v = this.view(8).getBigUint64(0, true);
    if (v > BigInt(this.bytes.length)) this.fail(`length ${v} exceeds the data`);
    return Number(v);
  }

  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail('unterminated text line (truncated)');
    const s = latin1.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }

  private text(b: Uint8Array): string {
    try {
      return utf8.decode(b);
    } catch {
      // Python 2 `str` pickles may hold any bytes.
      return latin1.decode(b);
    }
  }

  private pop(): unknown {
    if (!this.stack.length) this.fail('stack underflow');
    return this.stack.pop();
  }

  private top(): unknown {
    if (!this.stack.length) this.fail('stack underflow');
    return this.stack[this.stack.length - 1];
  }

  /** Pops everything above the last MARK. Callers must not write `this.stack.push(this.popMark())`: it swaps the stack. */
  private popMark(): unknown[] {
    const items = this.stack;
    const prev = this.metastack.pop();
    if (!prev) this.fail('no MARK on the stack');
    this.stack = prev;
    return items;
  }

  private global(module: string, name: string): unknown {
    return this.hooks.findGlobal(module, name);
  }

  private call(callable: unknown, args: unknown, how: string): unknown {
    if (!Array.isArray(args)) this.fail(`${how} arguments are not a tuple`);
    if (callable instanceof PyCallable) return callable.call(args);
    if (callable instanceof OpaqueGlobal) return new OpaqueObject(callable.qualifiedName);
    this.fail(`${how} of something that is not a global the reader allows (${typeof callable})`);
  }

  private setItems(dict: unknown, items: unknown[]): void {
    if (items.length % 2) this.fail('SETITEMS with an odd number of items');
    if (dict instanceof OpaqueObject) return; // a dict subclass we do not know: its items are dropped
    if (!(dict instanceof Map)) this.fail('SETITEM(S) on something that is not a dict');
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
  }

  private appendItems(list: unknown, items: unknown[]): void {
    if (list instanceof OpaqueObject) return;
    if (list instanceof Set) {
      for (const x of items) list.add(x);
      return;
    }
    if (!Array.isArray(list)) this.fail('APPEND(S) on something that is not a list');
    for (const x of items) list.push(x);
  }

  /** Runs to the next `STOP` and returns the value it leaves. */
  load(): unknown {
    for (;;) {
      const op = this.u8();
      switch (op) {
        case OP.PROTO: {
          const v = this.u8();
          if (v > 5) this.fail(`pickle protocol ${v} is newer than 5`);
          break;
        }
        case OP.FRAME:
          this.take(8); // frames only group opcodes; the data is read in place
          break;
        case OP.STOP:
          return this.pop();
        case OP.MARK:
          this.metastack.push(this.stack);
          this.stack = [];
          break;
        case OP.POP:
          this.pop();
          break;
        case OP.POP_MARK:
          this.popMark();
          break;
        case OP.DUP:
          this.stack.push(this.top());
          break;
        case OP.NONE:
          this.stack.push(null);
          break;
        case OP.NEWTRUE:
          this.stack.push(true);
          break;
        case OP.NEWFALSE:
          this.stack.push(false);
          break;
        case OP.BININT:
          this.stack.push(this.view(4).getInt32(0, true));
          break;
        case OP.BININT1:
          this.stack.push(this.u8());
          break;
        case OP.BININT2:
          this.stack.push(this.view(2).getUint16(0, true));
          break;
        case OP.INT: {
          const s = this.line().trim();
          if (s === '00') this.stack.push(false);
          else if (s === '01') this.stack.push(true);
          else if (/^[-+]?\d+$/.test(s)) this.stack.push(safeInt(BigInt(s)));
          else this.fail(`bad INT ${JSON.stringify(s)}`);
          break;
        }
        case OP.LONG: {
          const s = this.line().trim().replace(/L$/, '');
          if (!/^[-+]?\d+$/.test(s)) this.fail(`bad LONG ${JSON.stringify(s)}`);
          this.stack.push(safeInt(BigInt(s)));
          break;
        }
        case OP.LONG1:
          this.stack.push(decodeLong(this.take(this.u8())));
          break;
        case OP.LONG4:
          this.stack.push(decodeLong(this.take(this.u32())));
          break;
        case OP.BINFLOAT:
          this.stack.push(this.view(8).getFloat64(0, false));
          break;
        case OP.FLOAT: {
          const v = Number(this.line());
          this.stack.push(v);
          break;
        }
        case OP.BINUNICODE:
          this.stack.push(this.text(this.take(this.u32())));
          break;
        case OP.SHORT_BINUNICODE:
          this.stack.push(this.text(this.take(this.u8())));
          break;
        case OP.BINUNICODE8:
          this.stack.push(this.text(this.take(this.u64())));
          break;
        case OP.UNICODE:
          // raw-unicode-escape: latin-1 bytes, other code points as \uXXXX or \UXXXXXXXX.
          this.stack.push(this.line().replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, h4?: string, h8?: string) => String.fromCodePoint(parseInt(h4 ?? h8 ?? '0', 16))));
          break;
        case OP.BINSTRING:
          this.stack.push(this.text(this.take(this.view(4).getInt32(0, true))));
          break;
        case OP.SHORT_BINSTRING:
          this.stack.push(this.text(this.take(this.u8())));
          break;
        case OP.STRING: {
          const s = this.line().trim();
          this.stack.push(s.slice(1, -1));
          break;
        }
        case OP.BINBYTES:
          this.stack.push(this.take(this.u32()).slice());
          break;
        case OP.SHORT_BINBYTES:
          this.stack.push(this.take(this.u8()).slice());
          break;
        case OP.BINBYTES8:
        case OP.BYTEARRAY8:
          this.stack.push(this.take(this.u64()).slice());
          break;
        case OP.EMPTY_TUPLE:
          this.stack.push([]);
          break;
        case OP.TUPLE:
        case OP.LIST: {
          const items = this.popMark();
          this.stack.push(items);
          break;
        }
        case OP.TUPLE1:
          this.stack.push([this.pop()]);
          break;
        case OP.TUPLE2: {
          const b = this.pop();
          const a = this.pop();
          this.stack.push([a, b]);
          break;
        }
        case OP.TUPLE3: {
          const c = this.pop();
          const b = this.pop();
          const a = this.pop();
          this.stack.push([a, b, c]);
          break;
        }
        case OP.EMPTY_LIST:
          this.stack.push([]);
          break;
        case OP.APPEND: {
          const x = this.pop();
          this.appendItems(this.top(), [x]);
          break;
        }
        case OP.APPENDS: {
          const items = this.popMark();
          this.appendItems(this.top(), items);
          break;
        }
        case OP.EMPTY_DICT:
          this.stack.push(new Map());
          break;
        case OP.DICT: {
          const d = new Map();
          const items = this.popMark();
          this.setItems(d, items);
          this.stack.push(d);
          break;
        }
        case OP.SETITEM: {
          const v = this.pop();
          const k = this.pop();
          this.setItems(this.top(), [k, v]);
          break;
        }
        case OP.SETITEMS: {
          const items = this.popMark();
          this.setItems(this.top(), items);
          break;
        }
        case OP.EMPTY_SET:
          this.stack.push(new Set());
          break;
        case OP.ADDITEMS: {
          const items = this.popMark();
          this.appendItems(this.top(), items);
          break;
        }
        case OP.FROZENSET: {
          const items = this.popMark();
          this.stack.push(new Set(items));
          break;
        }
        case OP.GLOBAL: {
          const module = this.line();
          const name = this.line();
          this.stack.push(this.global(module, name));
          break;
        }
        case OP.STACK_GLOBAL: {
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') this.fail('STACK_GLOBAL with non-string module or name');
          this.stack.push(this.global(module, name));
          break;
        }
        case OP.REDUCE: {
          const args = this.pop();
          const callable = this.pop();
          this.stack.push(this.call(callable, args, 'REDUCE'));
          break;
        }
        case OP.NEWOBJ: {
          const args = this.pop();
          const cls = this.pop();
          this.stack.push(this.call(cls, args, 'NEWOBJ'));
          break;
        }
        case OP.NEWOBJ_EX: {
          this.pop(); // keyword arguments: no allowed global takes any
          const args = this.pop();
          const cls = this.pop();
          this.stack.push(this.call(cls, args, 'NEWOBJ_EX'));
          break;
        }
        case OP.INST: {
          const module = this.line();
          const name = this.line();
          const cls = this.global(module, name);
          const args = this.popMark();
          this.stack.push(this.call(cls, args, 'INST'));
          break;
        }
        case OP.OBJ: {
          const items = this.popMark();
          const cls = items.shift();
          this.stack.push(this.call(cls, items, 'OBJ'));
          break;
        }
        case OP.BUILD:
          // Python would call __setstate__ or update __dict__; nothing the reader builds needs its state.
          this.pop();
          this.top();
          break;
        case OP.BINPERSID:
          this.stack.push(this.hooks.persistentLoad(this.pop()));
          break;
        case OP.PERSID:
          this.stack.push(this.hooks.persistentLoad(this.line()));
          break;
        case OP.PUT:
          this.memo.set(Number(this.line()), this.top());
          break;
        case OP.BINPUT:
          this.memo.set(this.u8(), this.top());
          break;
        case OP.LONG_BINPUT:
          this.memo.set(this.u32(), this.top());
          break;
        case OP.MEMOIZE:
          this.memo.set(this.memo.size, this.top());
          break;
        case OP.GET:
          this.stack.push(this.memoGet(Number(this.line())));
          break;
        case OP.BINGET:
          this.stack.push(this.memoGet(this.u8()));
          break;
        case OP.LONG_BINGET:
          this.stack.push(this.memoGet(this.u32()));
          break;
        case OP.EXT1:
        case OP.EXT2:
        case OP.EXT4:
          this.fail('extension-registry opcodes (EXT1/2/4) are not allowed');
          break;
        case OP.NEXT_BUFFER:
        case OP.READONLY_BUFFER:
          this.fail('out-of-band buffers (protocol 5 NEXT_BUFFER) are not allowed');
          break;
        default:
          this.fail(`unknown opcode 0x${op.toString(16)}`);
      }
    }
  }

  private memoGet(i: number): unknown {
    if (!this.memo.has(i)) this.fail(`memo key ${i} was never stored`);
    return this.memo.get(i);
  }
}
