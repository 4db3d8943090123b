import { commonOptions, defineCommand } from '../command';
import { EXIT, UsageError } from '../exit-codes';
import { createRunRegistry } from '../run-setup';
import { segmentationSummary } from '../segmentation';
import { trainerPackage } from '../trainer-packages';

export const trainCommand = defineCommand({
  summary: 'train a model from a spec',
  usage: '--spec <file.json> [options]',
  details: `
Everything (model, data, optimizer, schedule, loss) is built from the spec. Ends with the test top-1 accuracy and
the wall time; writes <outDir>/checkpoint.safetensors (weights + optimizer + RNG + position), model.safetensors,
metrics.jsonl, eval.json and report.html (loss/accuracy curves, per-class accuracy, confusion matrix).
Ctrl-C once stops after the current step and writes a checkpoint (exit 130); resume with --resume.
--engine torch trains the same spec on PyTorch's DistributedDataParallel (torchrun, python/vitkit-torch) and writes
the same files, in vitkit's checkpoint format.`,
  options: {
    spec: { type: 'string', value: '<file.json>', help: 'training spec (JSON)', required: true },
    resume: { type: 'boolean', help: 'continue from <outDir>/checkpoint.safetensors (same data order, same random numbers)' },
    checkpoint: { type: 'string', value: '<file>', help: 'resume from this checkpoint instead (implies --resume)' },
    out: { type: 'string', value: '<dir>', help: 'output folder (default: train.outDir, else runs/<spec name>)' },
    backend: commonOptions.specBackend,
    quiet: { type: 'boolean', help: 'no progress bar' },
    json: { type: 'boolean', help: 'print one JSON summary object on stdout (the summary lines go to stderr)' },
    engine: { type: 'string', value: '<vitkit|torch>', help: 'torch: PyTorch DDP through torchrun (default vitkit)' },
    nproc: { type: 'string', value: '<n>', help: '--engine torch: processes on this node (default 1)' },
    nnodes: { type: 'string', value: '<n>', help: '--engine torch: nodes in the job (default 1; needs --rdzv-endpoint)' },
    'rdzv-endpoint': { type: 'string', value: '<host:port>', help: '--engine torch: rendezvous of a multi-node job' },
    'rdzv-id': { type: 'string', value: '<id>', help: '--engine torch: job id shared by all nodes' },
  },
  async run({ values }) {
    const trainer = trainerPackage();
    const engine = values.engine ?? 'vitkit';
    if (engine !== 'vitkit' && engine !== 'torch') throw new UsageError(`--engine must be vitkit or torch, got "${engine}"`);
    if (engine === 'torch') {
      const count = (flag: string, v: string | undefined) => {
        const n = Number(v ?? 1);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer, got "${v}"`);
        return n;
      };
      return trainer.launchTorchTraining({
        spec: values.spec!,
        nproc: count('nproc', values.nproc),
        nnodes: count('nnodes', values.nnodes),
        rdzvEndpoint: values['rdzv-endpoint'],
        rdzvId: values['rdzv-id'],
        outDir: values.out,
        resume: values.checkpoint ?? !!values.resume,
        registry: createRunRegistry({ use: [trainer.plugin] }),
      });
    }
    const loaded = await trainer.loadTrainSpec(values.spec!);
    const registry = createRunRegistry({ use: [trainer.plugin], spec: { ids: loaded.spec.plugins, dir: loaded.dir } });
    const log = values.json ? (line: string) => void process.stderr.write(`${line}\n`) : (line: string) => void process.stdout.write(`${line}\n`);
    const run = await trainer.Trainer.create(loaded, {
      registry,
      outDir: values.out,
      backend: values.backend,
      resume: values.checkpoint ?? !!values.resume,
      progress: values.quiet ? null : process.stderr,
      log,
    });
    let interrupts = 0;
    const onSigint = () => {
      interrupts++;
      if (interrupts > 1) process.exit(EXIT.interrupted);
      process.stderr.write('\nvitkit train: stopping after this step (Ctrl-C again to quit at once)\n');
      run.requestStop();
    };
    process.on('SIGINT', onSigint);
    try {
      const r = await run.fit();
      // "task": "segmentation" (backbone → neck → seg head) trains in the same loop; its summary adds mIoU and the neck's MACs.
      const segmentation = r.task === 'segmentation' ? segmentationSummary(trainer, run, r, log) : {};
      if (values.json) {
        const summary = {
          stopped: r.stopped,
          step: r.step,
          totalSteps: r.totalSteps,
          elapsedSeconds: r.elapsed,
          outDir: r.outDir,
          checkpoint: r.checkpoint,
          final: r.final,
          ...(r.finalEma ? { finalEma: r.finalEma } : {}),
          ...segmentation,
        };
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      }
      return r.stopped ? EXIT.interrupted : EXIT.ok;
    } finally {
      process.off('SIGINT', onSigint);
      run.dispose();
    }
  },
});
