// Pretrained weights from a file (Node only); from tensors in memory: ./load-pretrained (portable).
import type { Module } from '../../nn/module';
import { readWeights } from '../read-weights';
import { loadPretrained } from './load-pretrained';
import type { PretrainedOptions, PretrainedReport } from './load-pretrained';

/** {@link loadPretrained} from a file: safetensors or a PyTorch checkpoint (`.pth`, `.pth.tar`). */
export async function loadPretrainedFile(model: Module, file: string, options: PretrainedOptions = {}): Promise<PretrainedReport> {
  const w = await readWeights(file, { weights: options.weights });
  return loadPretrained(model, w.tensors, { ...options, source: options.source ?? file, entry: w.entry });
}
