import { byId } from './dom';
import { describeBackend, startBackend } from './backend';
import { setUpOnnxPanel } from './onnx/onnx-panel';
import { setUpPredictPanel } from './predict/predict-panel';
import { appRegistry } from './registry';
import { setUpTabs } from './tabs';
import { setUpTrainPanel } from './train/train-panel';
import './style.css';

async function main(): Promise<void> {
  const backend = byId('backend', HTMLParagraphElement);
  setUpTabs([byId('tab-predict', HTMLButtonElement), byId('tab-train', HTMLButtonElement), byId('tab-onnx', HTMLButtonElement)]);
  try {
    backend.textContent = describeBackend(await startBackend(window.location));
  } catch (err) {
    backend.textContent = `backend: ${(err as Error).message}`;
    backend.dataset.error = 'true';
    return;
  }
  const registry = appRegistry();
  setUpPredictPanel(registry);
  setUpTrainPanel(registry);
  setUpOnnxPanel();
  document.body.dataset.ready = 'true';
}

void main();
