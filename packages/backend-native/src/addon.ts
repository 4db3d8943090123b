// Finds and loads the compiled addon the way native npm packages do (sharp, esbuild): first the one built from source on
// this machine (it exists only when someone built it: the install skips the build when a prebuilt binary loads; tuned
// for this CPU), then the prebuilt binary of this platform's package (@vitkit/backend-native-<platform>-<arch>, an
// optional dependency npm installs only where its "os"/"cpu"/"libc" fit), then one in the package's own prebuilds/
// (scripts/prebuild.js's default output), else a reason that says how to get one. Never throws: a missing engine is a
// normal outcome (vitkit then runs on wasm).
import * as fs from 'fs';
import * as path from 'path';

/** The functions the addon exports (src/addon/*.c). Offsets and geometry are Float64Arrays of element counts. */
export interface NativeAddon {
  gemmBatched(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    aOffsets: Float64Array,
    lda: number,
    b: Float32Array,
    bOffsets: Float64Array,
    ldb: number,
    beta: number,
    c: Float32Array,
    cOffsets: Float64Array,
    ldc: number,
    /** n values every row of each C starts from (the product is added onto them; beta is then ignored). */
    bias?: Float32Array | null
  ): void;
  setThreads(threads: number): void;
  getThreads(): number;
  blasConfig(): string;
  /** What the convolutions run on ("oneDNN 2.6.3" or "im2col + OpenBLAS"); a boolean turns oneDNN on or off. */
  convLibrary(useOneDnn?: boolean): string;
  /** What the GEMMs run on ("oneDNN 2.6.3" or "OpenBLAS <config>"); a boolean turns oneDNN's sgemm on or off. */
  gemmLibrary(useOneDnn?: boolean): string;
  conv2d(x: Float32Array, filter: Float32Array, y: Float32Array, geometry: Float64Array): void;
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, geometry: Float64Array): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dFilter: Float32Array, geometry: Float64Array): void;
  gelu(x: Float32Array, y: Float32Array): void;
  geluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  layerNorm(x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array, mean: Float32Array, rstd: Float32Array, eps: number): void;
  layerNormGrad(
    dy: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    gamma: Float32Array,
    dx: Float32Array,
    dGamma: Float32Array,
    dBeta: Float32Array
  ): void;
  softmax(x: Float32Array, y: Float32Array, d: number): void;
  transpose(x: Float32Array, shape: Float64Array, perm: Float64Array, y: Float32Array): void;
  /** op: 0 add, 1 sub, 2 mul, 3 div; strides are 0 along broadcast axes. */
  binary(op: number, a: Float32Array, aStrides: Float64Array, b: Float32Array, bStrides: Float64Array, y: Float32Array, shape: Float64Array): void;
  reduceSum(x: Float32Array, y: Float32Array, outer: number, reduce: number, inner: number): void;
  /** op 0: ReLU; op 1: step (x > 0 ? 1 : alpha, NaN kept); op 2: exp. */
  unary(op: number, x: Float32Array, y: Float32Array, alpha: number): void;
  /** dx = dy·step(y), ReLU's gradient from its output y (NaN where y is NaN), in one pass. */
  reluGrad(dy: Float32Array, y: Float32Array, dx: Float32Array): void;
  /** NHWC max pooling; geometry = [batch, h, w, c, outH, outW, filterH, filterW, strideH, strideW, dilationH, dilationW, padTop, padLeft]. */
  maxPool(x: Float32Array, y: Float32Array, geometry: Float64Array): void;
  /** dx of maxPool: each window's first strict maximum gets the window's dy; geometry as maxPool's, dilation 1. */
  maxPoolGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, geometry: Float64Array): void;
  /** NHWC depthwise convolution; geometry = [batch, h, w, c, multiplier, outH, outW, filterH, filterW, strideH, strideW, dilationH, dilationW, padTop, padLeft]. */
  depthwiseConv2d(x: Float32Array, filter: Float32Array, y: Float32Array, geometry: Float64Array): void;
  /** dx of depthwiseConv2d from dy; geometry of the forward pass. */
  depthwiseConv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, geometry: Float64Array): void;
  /**
   * Multi-head self-attention from the fused qkv projection (src/addon/attention.c): qkv [batch, tokens, 3·heads·headDim]
   * gives out [batch, tokens, heads·headDim] and the probabilities [batch, heads, tokens, tokens]; an empty probs keeps
   * none (the scores stay in per-thread scratch).
   */
  mhaForward(qkv: Float32Array, out: Float32Array, probs: Float32Array, batch: number, tokens: number, heads: number, headDim: number, scale: number): void;
  /** dqkv (qkv's shape) of mhaForward from dy (out's shape), qkv and the saved probabilities. */
  mhaBackward(dy: Float32Array, qkv: Float32Array, probs: Float32Array, dqkv: Float32Array, batch: number, tokens: number, heads: number, headDim: number, scale: number): void;
  /**
   * Unfold (src/addon/unfold.c) of an NHWC image into tokens [batch, outH·outW, c·kernel²] in PyTorch's feature order;
   * geometry = [batch, h, w, c, kernel, stride, padding].
   */
  unfold(x: Float32Array, y: Float32Array, geometry: Float64Array): void;
  /** dx of unfold from dy; geometry of the forward pass. */
  unfoldGrad(dy: Float32Array, dx: Float32Array, geometry: Float64Array): void;
  /**
   * y = x·floor(u + keep)/keep (src/addon/dropout.c) with u drawn from the Alea state [c, s0, s1, s2] (seedrandom's),
   * keep < 1 in float32; bit i of `bits` (⌈n/32⌉ words) is set where x[i] was kept.
   */
  dropout(x: Float32Array, y: Float32Array, state: Float64Array, keep: number, bits: Int32Array): void;
  /** dx = dy·bit/keep with the bits of dropout. */
  dropoutGrad(dy: Float32Array, bits: Int32Array, dx: Float32Array, keep: number): void;
  /** Copies `rows` runs of `len` values from src[srcOffset + r·srcStride] to dst[dstOffset + r·dstStride]. */
  copyRows(src: Float32Array, srcOffset: number, srcStride: number, dst: Float32Array, dstOffset: number, dstStride: number, len: number, rows: number): void;
  /** One AdamW step (src/addon/optim.c); `step` counts from 1. Outputs must not alias inputs. */
  adamW(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    paramOut: Float32Array,
    mOut: Float32Array,
    vOut: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    step: number
  ): void;
}

export type AddonLoad = { ok: true; addon: NativeAddon; file: string } | { ok: false; reason: string };

const PACKAGE_ROOT = path.resolve(__dirname, '..');
const BINARY = 'vitkit_native.node';

/** How a user gets the engine where it is missing (one line; printed once by whoever reports the fallback). */
export const HOW_TO_GET_NATIVE = 'apt-get install -y g++ make libopenblas-dev, then npm run build:native -w @vitkit/backend-native';

/** The package that ships the prebuilt binary for a platform: `@vitkit/backend-native-linux-x64`. */
export function platformPackageName(platform: string = process.platform, arch: string = process.arch): string {
  return `@vitkit/backend-native-${platform}-${arch}`;
}

/** The binary of this platform's package as installed beside `root`, or undefined where npm did not install it. */
function platformPackageBinary(root: string): string | undefined {
  try {
    return require.resolve(`${platformPackageName()}/${BINARY}`, { paths: [root] });
  } catch {
    return undefined;
  }
}

/** Where the addon may be, best first: built from source, this platform's package, the package's prebuilds/. */
export function addonCandidates(root: string = PACKAGE_ROOT): string[] {
  const fromPackage = platformPackageBinary(root);
  return [
    path.join(root, 'build', 'Release', BINARY),
    ...(fromPackage ? [fromPackage] : []),
    path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, BINARY),
  ];
}

let cached: AddonLoad | undefined;

/** Loads the addon once per process; later calls return the same outcome. */
/**
 * oneDNN's OpenMP threads (libgomp, loaded with the addon, which reads its settings once then) spin for ~300 k
 * iterations after each convolution by default, on the cores the pool's next kernel needs: vt_resnet18 on two
 * threads ran 15–25 % slower than with a short spin (BENCHMARKS.md, "Convolutions through oneDNN"). A user's own
 * OpenMP setting wins.
 */
export function shortOpenMpSpin(env: NodeJS.ProcessEnv = process.env): void {
  if (env.GOMP_SPINCOUNT === undefined && env.OMP_WAIT_POLICY === undefined) env.GOMP_SPINCOUNT = '10000';
}

export function loadAddon(): AddonLoad {
  if (cached) return cached;
  shortOpenMpSpin();
  const failures: string[] = [];
  for (const file of addonCandidates()) {
    if (!fs.existsSync(file)) continue;
    try {
      cached = { ok: true, addon: require(file) as NativeAddon, file };
      return cached;
    } catch (e) {
      // typically libopenblas.so.0 missing at run time, or a binary for another Node ABI
      failures.push(`${file}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const why = failures.length ? `the addon did not load (${failures.join('; ')})` : `no addon was built (no ${platformPackageName()} installed, no prebuilt binary in prebuilds/ and no build/Release/${BINARY})`;
  cached = { ok: false, reason: `native engine unavailable: ${why}; to get it: ${HOW_TO_GET_NATIVE}` };
  return cached;
}
