// A minimal WebAssembly binary encoder: just the instructions the pack's generated kernels use (integer locals and
// loops, SIMD128 loads/stores/arithmetic, relaxed-SIMD fused multiply-add), one function type per function, an
// imported memory. Kernels are generated at run time, so no wasm toolchain is needed to build or install vitkit.
// Heap addresses stay i32 values used only by i32.add and as load/store addresses, which wasm32 reads as unsigned:
// no i64, no signed compare or shift ever touches an address, so kernels work on buffers above 2 GiB.

export type ValType = 'i32' | 'f32' | 'v128';

/** The parts of the WebAssembly JS API used here (the ES2022 lib and @types/node do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}
interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => {
    exports: Record<string, unknown>;
  };
}
export const webAssembly: WebAssemblyApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

const VALTYPE: Record<ValType, number> = { i32: 0x7f, f32: 0x7d, v128: 0x7b };

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function name(s: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(s));
  return [...uleb(bytes.length), ...bytes];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

const SIMD = 0xfd;

/** Emits one function body. Locals are numbered after the parameters, in the order they are declared. */
export class FunctionBuilder {
  private readonly code: number[] = [];
  private readonly locals: ValType[] = [];

  constructor(readonly params: readonly ValType[]) {}

  /** Declares a local and returns its index. */
  local(type: ValType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  get(i: number): this {
    return this.emit(0x20, ...uleb(i));
  }
  set(i: number): this {
    return this.emit(0x21, ...uleb(i));
  }
  tee(i: number): this {
    return this.emit(0x22, ...uleb(i));
  }
  i32Const(n: number): this {
    return this.emit(0x41, ...sleb(n | 0));
  }
  i32Add(): this {
    return this.emit(0x6a);
  }
  i32Sub(): this {
    return this.emit(0x6b);
  }
  i32Mul(): this {
    return this.emit(0x6c);
  }
  i32Eqz(): this {
    return this.emit(0x45);
  }
  /** `local += delta` for an i32 local. */
  addTo(i: number, delta: number): this {
    return this.get(i).i32Const(delta).i32Add().set(i);
  }
  /** `local += other` for i32 locals. */
  addLocal(i: number, other: number): this {
    return this.get(i).get(other).i32Add().set(i);
  }
  block(): this {
    return this.emit(0x02, 0x40);
  }
  loop(): this {
    return this.emit(0x03, 0x40);
  }
  end(): this {
    return this.emit(0x0b);
  }
  /** if (with no result) on the i32 on the stack. */
  if(): this {
    return this.emit(0x04, 0x40);
  }
  else(): this {
    return this.emit(0x05);
  }
  i32Eq(): this {
    return this.emit(0x46);
  }
  i32ShrU(): this {
    return this.emit(0x76);
  }
  br(depth: number): this {
    return this.emit(0x0c, ...uleb(depth));
  }
  brIf(depth: number): this {
    return this.emit(0x0d, ...uleb(depth));
  }
  /** v128.load at [address on the stack + offset]. */
  v128Load(offset: number): this {
    return this.emit(SIMD, 0x00, 4, ...uleb(offset));
  }
  /** v128.load32_splat: one float32 broadcast to the four lanes. */
  v128Load32Splat(offset: number): this {
    return this.emit(SIMD, 0x09, 2, ...uleb(offset));
  }
  /** v128.load64_zero: two float32 into the low half, zeros above. */
  v128Load64Zero(offset: number): this {
    return this.emit(SIMD, ...uleb(0x5d), 3, ...uleb(offset));
  }
  /** f64x2.promote_low_f32x4 */
  f64x2PromoteLowF32x4(): this {
    return this.emit(SIMD, ...uleb(0x5f));
  }
  f64x2Add(): this {
    return this.emit(SIMD, ...uleb(0xf0));
  }
  /** v128.store of the value on the stack at [address + offset] (stack: address, value). */
  v128Store(offset: number): this {
    return this.emit(SIMD, 0x0b, 4, ...uleb(offset));
  }
  v128Zero(): this {
    return this.emit(SIMD, 0x0c, ...new Array<number>(16).fill(0));
  }
  f32x4Add(): this {
    return this.emit(SIMD, ...uleb(0xe4));
  }
  f32x4Mul(): this {
    return this.emit(SIMD, ...uleb(0xe6));
  }
  /** Relaxed SIMD f32x4.relaxed_madd (a·b + c; a fused FMA where the CPU has one). Stack: a, b, c. */
  f32x4RelaxedMadd(): this {
    return this.emit(SIMD, ...uleb(0x105));
  }

  /** i32.div_s */
  i32Div(): this {
    return this.emit(0x6d);
  }
  /** f32.convert_i32_s */
  f32ConvertI32(): this {
    return this.emit(0xb2);
  }
  i32LtU(): this {
    return this.emit(0x49);
  }
  i32And(): this {
    return this.emit(0x71);
  }
  f32Const(x: number): this {
    return this.emit(0x43, ...new Uint8Array(new Float32Array([x]).buffer));
  }
  f32Load(offset: number): this {
    return this.emit(0x2a, 2, ...uleb(offset));
  }
  /** f32.store (stack: address, value). */
  f32Store(offset: number): this {
    return this.emit(0x38, 2, ...uleb(offset));
  }
  f32Add(): this {
    return this.emit(0x92);
  }
  f32Sub(): this {
    return this.emit(0x93);
  }
  f32Mul(): this {
    return this.emit(0x94);
  }
  f32Div(): this {
    return this.emit(0x95);
  }
  f32Sqrt(): this {
    return this.emit(0x91);
  }
  /** A v128 with the same float32 in every lane. */
  f32x4Const(x: number): this {
    const lane = Array.from(new Uint8Array(new Float32Array([x]).buffer));
    return this.emit(SIMD, 0x0c, ...lane, ...lane, ...lane, ...lane);
  }
  f32x4Splat(): this {
    return this.emit(SIMD, ...uleb(0x13));
  }
  f32x4ExtractLane(lane: number): this {
    return this.emit(SIMD, ...uleb(0x1f), lane);
  }
  f32x4Sub(): this {
    return this.emit(SIMD, ...uleb(0xe5));
  }
  f32x4Div(): this {
    return this.emit(SIMD, ...uleb(0xe7));
  }
  f32x4Min(): this {
    return this.emit(SIMD, ...uleb(0xe8));
  }
  f32x4Max(): this {
    return this.emit(SIMD, ...uleb(0xe9));
  }
  f32x4Abs(): this {
    return this.emit(SIMD, ...uleb(0xe0));
  }
  f32x4Nearest(): this {
    return this.emit(SIMD, ...uleb(0x6a));
  }
  /** Lane mask: all ones where a >= b. */
  f32x4Ge(): this {
    return this.emit(SIMD, ...uleb(0x46));
  }
  i32x4TruncSatF32x4S(): this {
    return this.emit(SIMD, ...uleb(0xf8));
  }
  i32x4Add(): this {
    return this.emit(SIMD, ...uleb(0xae));
  }
  /** i32x4.shl (stack: vector, shift count). */
  i32x4Shl(): this {
    return this.emit(SIMD, ...uleb(0xab));
  }
  i32x4Const(x: number): this {
    const lane = Array.from(new Uint8Array(new Int32Array([x]).buffer));
    return this.emit(SIMD, 0x0c, ...lane, ...lane, ...lane, ...lane);
  }
  /** v128.bitselect (stack: a, b, mask): bits of a where mask is 1, of b elsewhere. */
  v128Bitselect(): this {
    return this.emit(SIMD, ...uleb(0x52));
  }

  /** The encoded body (locals declaration, code, final `end`). */
  encode(): number[] {
    const groups: number[][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === VALTYPE[t]) last[0]++;
      else groups.push([1, VALTYPE[t]]);
    }
    const body = [...vector(groups.map(([count, type]) => [...uleb(count), type])), ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }

  private emit(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }
}

export interface MemoryImport {
  /** Pages of 64 KiB. */
  initial: number;
  maximum?: number;
  shared: boolean;
}

/**
 * A module that imports `env.memory` (with the given limits) and exports the given functions (no results). Compile it
 * with `new WebAssembly.Module(bytes)`.
 */
export function buildModule(
  memory: MemoryImport,
  functions: ReadonlyArray<{ name: string; fn: FunctionBuilder }>
): Uint8Array {
  const limits =
    memory.maximum === undefined
      ? [memory.shared ? 0x02 : 0x00, ...uleb(memory.initial)]
      : [memory.shared ? 0x03 : 0x01, ...uleb(memory.initial), ...uleb(memory.maximum)];
  const types = functions.map(({ fn }) => [0x60, ...vector(fn.params.map((p) => [VALTYPE[p]])), 0]);
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector(types)),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, ...limits]])),
    ...section(3, vector(functions.map((_, i) => uleb(i)))),
    ...section(7, vector(functions.map(({ name: n }, i) => [...name(n), 0x00, ...uleb(i)]))),
    ...section(10, vector(functions.map(({ fn }) => fn.encode()))),
  ];
  return new Uint8Array(bytes);
}
