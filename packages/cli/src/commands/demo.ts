import { buildModel, selectBackend, tf } from '@vitkit/core';
import { commonOptions, defineCommand } from '../command';
import { EXIT } from '../exit-codes';
import { openModelSpec } from '../run-setup';

export const demoCommand = defineCommand({
  summary: 'build a registered model from a spec and run it on a random batch',
  usage: '[preset|spec.json] [options]',
  positionals: { name: '[preset|spec.json]', help: 'the model (default: vit_s_bench_32)' },
  options: {
    backend: commonOptions.backend,
    plugins: commonOptions.plugins,
  },
  async run({ values, positionals }) {
    await selectBackend(values.backend ?? 'auto');
    const { loaded, registry } = await openModelSpec(positionals[0] ?? 'vit_s_bench_32', values.plugins);
    const model = buildModel(registry, loaded.spec.model).eval();
    try {
      const [h, w] = model.config.inputSize;
      const t0 = Date.now();
      const probs = tf.tidy(() => tf.softmax(model.forward(tf.randomUniform([2, h, w, model.config.inChans], 0, 1, 'float32', 0))));
      const ms = Date.now() - t0;
      const sums = tf.tidy(() => tf.sum(probs, 1));
      const rowSums = Array.from(sums.dataSync()).map((x) => x.toFixed(4));
      sums.dispose();
      const shape = probs.shape;
      probs.dispose();
      const { total } = model.countParameters();
      process.stdout.write(`${loaded.source}: ${total.toLocaleString('en-US')} parameters; output [${shape}] in ${ms} ms; row sums ${rowSums.join(', ')}\n`);
    } finally {
      model.dispose();
    }
    return EXIT.ok;
  },
});
