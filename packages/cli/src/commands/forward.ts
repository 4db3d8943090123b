import { runForward, selectBackend } from '@vitkit/core';
import { commonOptions, defineCommand } from '../command';
import { EXIT } from '../exit-codes';
import { openModelSpec } from '../run-setup';

export const forwardCommand = defineCommand({
  summary: 'run a model on __input__ of a safetensors file and write __logits__',
  usage: '--spec <preset|spec.json> --input <x.safetensors> [options]',
  details: 'The parity check from outside the code: __input__ is NCHW float32 (as PyTorch takes it); weights load strictly\nwith the official parameter names.',
  options: {
    spec: { type: 'string', value: '<preset|spec.json>', help: 'the model', required: true },
    input: { type: 'string', value: '<x.safetensors>', help: 'holds the tensor __input__', required: true },
    weights: { type: 'string', value: '<w.safetensors|w.pth>', help: 'state dict to load: safetensors or a PyTorch checkpoint (default: the spec\'s pretrained, else random)' },
    output: { type: 'string', value: '<y.safetensors>', help: 'write __logits__ here (default: print them as JSON)' },
    backend: commonOptions.backend,
    plugins: commonOptions.plugins,
  },
  async run({ values }) {
    await selectBackend(values.backend ?? 'auto');
    const { loaded, registry } = await openModelSpec(values.spec!, values.plugins);
    const { shape, logits } = await runForward({ spec: loaded.spec, registry, weights: values.weights, input: values.input!, output: values.output });
    process.stderr.write(`logits [${shape}]${values.output ? ` written to ${values.output}` : ''}\n`);
    if (!values.output) process.stdout.write(JSON.stringify({ shape, logits: Array.from(logits) }) + '\n');
    return EXIT.ok;
  },
});
