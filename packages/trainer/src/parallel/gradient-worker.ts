// Entry point of a data-parallel gradient worker (a worker_thread started by DataParallel). It builds a replica of
// the model from the spec on its own single-threaded backend, and for each step loads the main thread's weights,
// computes the loss and gradients of its rows of the batch and writes them to shared memory. For an evaluation it also
// loads the main thread's non-trainable state (BatchNorm statistics) and writes its rows' eval-mode logits.
import { parentPort, workerData } from 'worker_threads';
import { manualSeed, tf } from '@vitkit/core';
import { assembleReplica } from '../run-assembly';
import { prepareBackend, runRegistry } from '../run-registry';
import { FromWorker, GradientWorkerInit, paramOffsets, ToWorker, workerStepSeed } from './protocol';

function send(m: FromWorker): void {
  parentPort!.postMessage(m);
}

async function main(init: GradientWorkerInit): Promise<void> {
  await prepareBackend({ flag: init.backend, quiet: true, threads: 1 });
  const registry = runRegistry({ packages: init.packages, specPlugins: init.plugins, dir: init.dir });
  const { model, loss } = assembleReplica(registry, { model: init.model, loss: init.loss, seed: init.seed });
  const byName = new Map(model.namedParameters().map(([n, p]) => [n, p]));
  const params = init.params.map(({ name, shape }) => {
    const p = byName.get(name);
    if (!p || p.variable.shape.join(',') !== shape.join(',')) {
      throw new Error(`the worker's replica has no parameter ${name} [${shape}] (the model built differently in the worker)`);
    }
    return p;
  });
  const buffersByName = new Map(model.namedBuffers().map(([n, b]) => [n, b]));
  const buffers = init.buffers.map(({ name, shape }) => {
    const b = buffersByName.get(name);
    if (!b || b.shape.join(',') !== shape.join(',')) {
      throw new Error(`the worker's replica has no buffer ${name} [${shape}] (the model built differently in the worker)`);
    }
    return b;
  });
  const { offsets } = paramOffsets(init.params);
  const { offsets: stateOffsets } = paramOffsets(init.buffers);
  const state = new Float32Array(init.state);
  const logitsOut = new Float32Array(init.logits);
  const weights = new Float32Array(init.weights);
  const grads = new Float32Array(init.grads);
  const xs = new Float32Array(init.x);
  const ys = new Float32Array(init.y);
  const labels = new Int32Array(init.labels);
  const [h, w, c] = init.image;
  const k = init.numClasses;
  model.train();

  /** Copies a shared buffer's slices into variables. */
  function load(vars: tf.Variable[], from: Float32Array, at: number[]): void {
    vars.forEach((v, i) => {
      const t = tf.tensor(from.subarray(at[i], at[i] + v.size), v.shape, 'float32');
      v.assign(t);
      t.dispose();
    });
  }

  function evaluate(rows: number): FromWorker {
    load(
      params.map((p) => p.variable),
      weights,
      offsets
    );
    load(buffers, state, stateOffsets);
    model.eval();
    try {
      tf.tidy(() => {
        const x = tf.tensor4d(xs.subarray(0, rows * h * w * c), [rows, h, w, c]);
        logitsOut.set(model.forward(x).dataSync() as Float32Array);
      });
    } finally {
      model.train();
    }
    return { type: 'logits', rows };
  }

  function step(stepNo: number, rows: number): FromWorker {
    manualSeed(workerStepSeed(init.seed, stepNo, init.rank));
    load(
      params.map((p) => p.variable),
      weights,
      offsets
    );
    const x = tf.tensor4d(xs.subarray(0, rows * h * w * c), [rows, h, w, c]);
    const y = tf.tensor2d(ys.subarray(0, rows * k), [rows, k]);
    const lab = labels.slice(0, rows);
    const labT = tf.tensor1d(lab, 'int32');
    let correctT: tf.Tensor | undefined;
    const { value, grads: g } = tf.variableGrads(() => {
      const logits = model.forward(x) as tf.Tensor2D;
      correctT = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), labT), 'float32')));
      return loss(logits, { y, labels: lab });
    }, params.map((p) => p.variable));
    const hasGrad = params.map((p, i) => {
      const gi = g[p.variable.name];
      if (!gi) {
        grads.fill(0, offsets[i], offsets[i] + p.variable.size);
        return false;
      }
      grads.set(gi.dataSync() as Float32Array, offsets[i]);
      return true;
    });
    const out: FromWorker = { type: 'done', step: stepNo, loss: value.dataSync()[0], correct: correctT!.dataSync()[0], hasGrad };
    tf.dispose([x, y, labT, value, correctT!, ...Object.values(g)]);
    return out;
  }

  parentPort!.on('message', (m: ToWorker) => {
    if (m.type === 'close') {
      parentPort!.close();
      return;
    }
    try {
      send(m.type === 'eval' ? evaluate(m.rows) : step(m.step, m.rows));
    } catch (e) {
      send({ type: 'error', message: (e as Error).stack ?? String(e) });
    }
  });
  send({ type: 'ready' });
}

main(workerData as GradientWorkerInit).catch((e) => send({ type: 'error', message: (e as Error).stack ?? String(e) }));
