import { ORT_DIR, ORT_ENGINE_FILES } from './ort-files';
import type { OrtEngine } from './ort-files';

/** The part of onnxruntime-web's API this page uses. */
interface OrtTensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}
interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface OrtModule {
  env: { wasm: { wasmPaths?: string; numThreads?: number } };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options: { executionProviders: string[]; logSeverityLevel?: 0 | 1 | 2 | 3 | 4 }): Promise<OrtSession> };
}

/** WebGPU when the browser gives an adapter, else wasm (as vitkit's own backend choice, WebGPU first). */
export async function chooseOrtEngine(): Promise<OrtEngine> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return 'wasm';
  try {
    return (await gpu.requestAdapter()) ? 'webgpu' : 'wasm';
  } catch {
    return 'wasm';
  }
}

async function loadOrt(engine: OrtEngine): Promise<OrtModule> {
  const base = new URL(ORT_DIR, document.baseURI).href;
  const ort = (await import(/* @vite-ignore */ `${base}${ORT_ENGINE_FILES[engine].entry}`)) as OrtModule;
  ort.env.wasm.wasmPaths = base;
  // Threads need a cross-origin-isolated page (SharedArrayBuffer); this app is served without those headers.
  ort.env.wasm.numThreads = 1;
  return ort;
}

/** An exported vitkit model in onnxruntime-web: one NHWC float32 input, one output. */
export class OnnxSession {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: OrtSession,
    readonly engine: OrtEngine,
  ) {}

  static async create(bytes: Uint8Array, engine: OrtEngine): Promise<OnnxSession> {
    const ort = await loadOrt(engine);
    // Errors only: on WebGPU the session warns (through console.error) that shape ops stay on the CPU, which is
    // onnxruntime's intended placement, not a fault of the model or the page.
    const session = await ort.InferenceSession.create(bytes, { executionProviders: [engine], logSeverityLevel: 3 });
    if (session.inputNames.length !== 1 || session.outputNames.length !== 1) {
      await session.release();
      throw new Error(`the model has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]; this page runs models with one of each`);
    }
    return new OnnxSession(ort, session, engine);
  }

  /** The output for one input batch: its values and dims. */
  async run(input: Float32Array, dims: readonly number[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
    const out = (await this.session.run({ [this.session.inputNames[0]]: new this.ort.Tensor('float32', input, dims) }))[this.session.outputNames[0]];
    return { data: out.data, dims: out.dims };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
