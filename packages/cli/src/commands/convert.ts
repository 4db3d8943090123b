import { convertWeights } from '@vitkit/core';
import type { WeightsChoice } from '@vitkit/core';
import { defineCommand } from '../command';
import { EXIT, UsageError } from '../exit-codes';

const CHOICES: readonly WeightsChoice[] = ['auto', 'ema', 'live'];

export const convertCommand = defineCommand({
  summary: 'convert a PyTorch checkpoint (.pth, .pth.tar) to a safetensors state dict',
  usage: '<in.pth> <out.safetensors> [options]',
  details: 'Reads the checkpoint without Python and without running any of it (globals outside an allow-list are refused),\nthen writes its state dict as float32 safetensors with the same names.',
  positionals: { name: '<in.pth> <out.safetensors>', help: 'the PyTorch file and the safetensors file to write', min: 2 },
  options: {
    weights: { type: 'string', value: '<auto|ema|live>', help: "a training checkpoint's EMA or live weights (default auto: as the official code picks)" },
  },
  async run({ values, positionals }) {
    if (positionals.length !== 2) throw new UsageError(`convert needs an input and an output file, got ${positionals.length} arguments`);
    const choice = (values.weights ?? 'auto') as WeightsChoice;
    if (!CHOICES.includes(choice)) throw new UsageError(`--weights must be one of ${CHOICES.join(', ')}, got "${values.weights}"`);
    const [input, output] = positionals;
    const r = await convertWeights(input, output, { weights: choice });
    process.stdout.write(`${output}: ${r.tensors} tensors from ${r.entry ? `"${r.entry}" of ` : ''}${input} (${r.format})\n`);
    return EXIT.ok;
  },
});
