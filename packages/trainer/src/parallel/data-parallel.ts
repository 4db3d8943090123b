// Data parallelism for the trainer on one machine: `train.workers: N` starts N − 1 gradient workers (worker_threads,
// each with its own single-threaded wasm or cpu backend and a replica of the model). Each step the main thread
// publishes its weights, hands every worker its rows of the batch, computes the gradients of its own rows meanwhile,
// and averages all gradients (weighted by rows) before the usual clipping and optimizer step. Evaluation splits its
// batches the same way (`logits`). Every op runs on both cores, unlike the multi-threaded wasm build where only GEMM
// and convolution do (see BENCHMARKS.md).
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { tf } from '@vitkit/core';
import { FromWorker, GradientWorkerInit, paramOffsets, splitRows, ToWorker } from './protocol';

/** What the workers are built from (as in their init message), plus the main thread's variables. */
export interface DataParallelOptions
  extends Pick<GradientWorkerInit, 'model' | 'loss' | 'packages' | 'plugins' | 'dir' | 'backend' | 'seed' | 'numClasses' | 'maxRows'> {
  /** Replicas in all, the main thread's included (2 = one worker). */
  replicas: number;
  params: ReadonlyArray<{ name: string; variable: tf.Variable }>;
  /** Non-trainable state used in eval mode (BatchNorm running statistics), by name. */
  buffers: ReadonlyArray<{ name: string; variable: tf.Variable }>;
  image: readonly [number, number, number];
}

interface WorkerSlot {
  worker: Worker;
  init: GradientWorkerInit;
  pending?: { resolve: (m: FromWorker) => void; reject: (e: Error) => void };
  failure?: Error;
}

/** The compiled worker entry (dist/parallel/gradient-worker.js), also when the trainer runs from its sources. */
export function gradientWorkerFile(): string {
  const here = path.join(__dirname, 'gradient-worker.js');
  if (fs.existsSync(here)) return here;
  const built = path.resolve(__dirname, '../../dist/parallel/gradient-worker.js');
  if (fs.existsSync(built)) return built;
  throw new Error(`train.workers: the gradient worker ${here} is missing; build @vitkit/trainer first (npm run build)`);
}

/** Result of one data-parallel gradient computation on the main thread's side. */
export interface ParallelGradients {
  /** Row-weighted mean of every replica's gradients, by parameter name (caller disposes). */
  grads: Map<string, tf.Tensor>;
  /** Row-weighted mean loss and total correct predictions. */
  loss: number;
  correct: number;
}

export class DataParallel {
  private readonly slots: WorkerSlot[] = [];
  private readonly offsets: number[];
  private readonly weights: Float32Array;
  private readonly stateOffsets: number[];
  private readonly state: Float32Array;
  private closed = false;

  private constructor(readonly options: DataParallelOptions) {
    const shapes = options.params.map((p) => ({ name: p.name, shape: p.variable.shape }));
    const { offsets, total } = paramOffsets(shapes);
    this.offsets = offsets;
    this.weights = new Float32Array(new SharedArrayBuffer(total * 4));
    const bufferShapes = options.buffers.map((b) => ({ name: b.name, shape: b.variable.shape }));
    const state = paramOffsets(bufferShapes);
    this.stateOffsets = state.offsets;
    this.state = new Float32Array(new SharedArrayBuffer(Math.max(1, state.total) * 4));
    const [h, w, c] = options.image;
    for (let rank = 1; rank < options.replicas; rank++) {
      const init: GradientWorkerInit = {
        rank,
        model: options.model,
        loss: options.loss,
        packages: options.packages,
        plugins: options.plugins,
        dir: options.dir,
        backend: options.backend,
        seed: options.seed,
        params: shapes,
        image: [h, w, c],
        numClasses: options.numClasses,
        maxRows: options.maxRows,
        weights: this.weights.buffer as SharedArrayBuffer,
        x: new SharedArrayBuffer(options.maxRows * h * w * c * 4),
        y: new SharedArrayBuffer(options.maxRows * options.numClasses * 4),
        labels: new SharedArrayBuffer(options.maxRows * 4),
        grads: new SharedArrayBuffer(total * 4),
        buffers: bufferShapes,
        state: this.state.buffer as SharedArrayBuffer,
        logits: new SharedArrayBuffer(options.maxRows * options.numClasses * 4),
      };
      this.slots.push({ worker: new Worker(gradientWorkerFile(), { workerData: init }), init });
    }
  }

  /** Starts the workers and waits until every replica is built. */
  static async start(options: DataParallelOptions): Promise<DataParallel> {
    if (!(Number.isInteger(options.replicas) && options.replicas >= 2)) throw new Error(`train.workers must be an integer >= 2, got ${options.replicas}`);
    const dp = new DataParallel(options);
    try {
      await Promise.all(dp.slots.map((s) => dp.listen(s)));
    } catch (e) {
      await dp.close();
      throw e;
    }
    return dp;
  }

  get replicas(): number {
    return this.options.replicas;
  }

  /** Resolves on the worker's 'ready'; afterwards routes its messages to the pending step. */
  private listen(slot: WorkerSlot): Promise<void> {
    const rank = slot.init.rank;
    return new Promise((resolve, reject) => {
      const fail = (e: Error) => {
        slot.failure = e;
        reject(e);
        slot.pending?.reject(e);
        slot.pending = undefined;
      };
      slot.worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'error') fail(new Error(`data-parallel worker ${rank}: ${m.message}`));
        else if (m.type === 'done' || m.type === 'logits') {
          const p = slot.pending;
          slot.pending = undefined;
          p?.resolve(m);
        }
      });
      slot.worker.on('error', (e) => fail(new Error(`data-parallel worker ${rank}: ${e.message}`)));
      slot.worker.on('exit', (code) => {
        if (!this.closed) fail(new Error(`data-parallel worker ${rank} exited (code ${code})`));
      });
    });
  }

  /**
   * Loss and row-weighted mean gradients of the batch `x`, `y`, `labels` for optimizer step `step`. `local` computes
   * the main thread's rows (the first ones) and returns its loss, correct count and gradients by parameter name.
   */
  async gradients(
    step: number,
    x: tf.Tensor4D,
    y: tf.Tensor2D,
    labels: Int32Array,
    local: (x: tf.Tensor4D, y: tf.Tensor2D, labels: Int32Array) => Promise<{ loss: number; correct: number; grads: Map<string, tf.Tensor> }>,
  ): Promise<ParallelGradients> {
    const batch = x.shape[0];
    if (batch > this.options.maxRows) throw new Error(`data-parallel: a batch of ${batch} is larger than the ${this.options.maxRows} rows prepared`);
    const rows = splitRows(batch, this.replicas);
    this.publishWeights();
    const xs = x.dataSync() as Float32Array;
    const ys = y.dataSync() as Float32Array;
    const per = x.size / batch;
    const k = y.shape[1];
    const results: Array<Promise<FromWorker & { type: 'done' }>> = [];
    let start = rows[0];
    this.slots.forEach((slot, j) => {
      const n = rows[j + 1];
      if (slot.failure) throw slot.failure;
      new Float32Array(slot.init.x).set(xs.subarray(start * per, (start + n) * per));
      new Float32Array(slot.init.y).set(ys.subarray(start * k, (start + n) * k));
      new Int32Array(slot.init.labels).set(labels.subarray(start, start + n));
      start += n;
      results.push(
        n === 0
          ? Promise.resolve({ type: 'done', step, loss: 0, correct: 0, hasGrad: this.options.params.map(() => false) })
          : (this.request(slot, { type: 'step', step, rows: n }) as Promise<FromWorker & { type: 'done' }>),
      );
    });
    const [x0, y0] = tf.tidy(() => [tf.slice(x, 0, rows[0]), tf.slice(y, 0, rows[0])] as [tf.Tensor4D, tf.Tensor2D]);
    let mine: { loss: number; correct: number; grads: Map<string, tf.Tensor> };
    try {
      mine = await local(x0, y0, labels.subarray(0, rows[0]));
    } finally {
      tf.dispose([x0, y0]);
    }
    let theirs: Array<FromWorker & { type: 'done' }>;
    try {
      theirs = await Promise.all(results);
    } catch (e) {
      for (const g of mine.grads.values()) g.dispose();
      throw e;
    }
    const grads = new Map<string, tf.Tensor>();
    this.options.params.forEach((p, i) => {
      const own = mine.grads.get(p.name);
      const parts: tf.Tensor[] = [];
      tf.tidy(() => {
        if (own) parts.push(tf.mul(own, rows[0] / batch));
        theirs.forEach((r, j) => {
          if (!r.hasGrad[i]) return;
          const buf = new Float32Array(this.slots[j].init.grads, this.offsets[i] * 4, p.variable.size);
          parts.push(tf.mul(tf.tensor(buf, p.variable.shape, 'float32'), rows[j + 1] / batch));
        });
        if (parts.length) grads.set(p.name, tf.keep(parts.length === 1 ? parts[0] : tf.addN(parts)));
      });
      own?.dispose();
    });
    const loss = (mine.loss * rows[0] + theirs.reduce((a, r, j) => a + r.loss * rows[j + 1], 0)) / batch;
    const correct = mine.correct + theirs.reduce((a, r) => a + r.correct, 0);
    return { grads, loss, correct };
  }

  private publishWeights(): void {
    this.options.params.forEach((p, i) => this.weights.set(p.variable.dataSync() as Float32Array, this.offsets[i]));
  }

  private request(slot: WorkerSlot, m: ToWorker): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      slot.pending = { resolve, reject };
      slot.worker.postMessage(m);
    });
  }

  /**
   * Eval-mode logits of `x` with the main thread's current weights and non-trainable state (so also under swapped-in
   * EMA weights): the first rows through `local` on the main thread, the others on the workers at the same time.
   */
  async logits(x: tf.Tensor4D, local: (x: tf.Tensor4D) => tf.Tensor): Promise<tf.Tensor2D> {
    const batch = x.shape[0];
    if (batch > this.options.maxRows) throw new Error(`data-parallel: a batch of ${batch} is larger than the ${this.options.maxRows} rows prepared`);
    const rows = splitRows(batch, this.replicas);
    this.publishWeights();
    this.options.buffers.forEach((b, i) => this.state.set(b.variable.dataSync() as Float32Array, this.stateOffsets[i]));
    const xs = x.dataSync() as Float32Array;
    const per = x.size / batch;
    const k = this.options.numClasses;
    const pending: Array<Promise<FromWorker>> = [];
    let start = rows[0];
    this.slots.forEach((slot, j) => {
      const n = rows[j + 1];
      if (slot.failure) throw slot.failure;
      new Float32Array(slot.init.x).set(xs.subarray(start * per, (start + n) * per));
      start += n;
      pending.push(n === 0 ? Promise.resolve({ type: 'logits', rows: 0 }) : this.request(slot, { type: 'eval', rows: n }));
    });
    const mine = tf.tidy(() => local(tf.slice(x, 0, rows[0])));
    try {
      await Promise.all(pending);
      return tf.tidy(() => {
        const parts = [mine];
        this.slots.forEach((slot, j) => {
          const n = rows[j + 1];
          if (n > 0) parts.push(tf.tensor2d(new Float32Array(slot.init.logits, 0, n * k).slice(), [n, k]));
        });
        return tf.concat(parts, 0) as tf.Tensor2D;
      });
    } finally {
      mine.dispose();
    }
  }

  /** Stops the workers (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
