#!/usr/bin/env node
// `npm run test:web-app` (root): builds the app, serves the build, opens it in Debian's Chromium (never a downloaded
// browser; WebGL through SwiftShader), runs a prediction on the bundled test image with a randomly initialised preset
// and with a pasted spec and a safetensors file, the same model exported to ONNX in the ONNX tab (onnxruntime-web),
// then a few training steps, and fails on any console error, page error, failed request or missing result.
// Screenshots go to .ci-artifacts/ at the repository root; their paths are printed at the end.
// Environment: CHROMIUM_PATH (default /usr/bin/chromium), WEB_APP_BACKEND (a backend to ask for; default automatic).
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const artifacts = join(root, '../../.ci-artifacts');
const PRESET = 't2t_vit_7';
const TRAIN_STEPS = 3;
const MINUTE = 60_000;

/**
 * A small ViT as a pasted spec, and weights for it written here by vitkit in Node (read by the page from a File),
 * with the same model exported to ONNX for the ONNX tab. The export's preprocessing is the Predict tab's for a pasted
 * spec (timm's default: bicubic, crop 0.875), so both tabs see the same input and must agree.
 */
const TINY_SPEC = { type: 'vit', imgSize: 32, numClasses: 10, embedDim: 32, depth: 2, numHeads: 2, tokenizer: { type: 'patch', patchSize: 8 } };
function tinyModelFiles() {
  const require = createRequire(import.meta.url);
  const core = require('@vitkit/core');
  // Node's pure-JS engine, chosen on purpose (a tiny model): vitkit warns when none was chosen.
  core.tf.setBackend('cpu');
  const registry = core.registryWithPlugins([require('@vitkit/tokenizers').plugin, require('@vitkit/backbones').plugin]);
  const model = core.buildModel(registry, TINY_SPEC);
  try {
    const bytes = core.serializeSafetensors(core.stateDict(model));
    const onnxBytes = require('@vitkit/onnx').exportOnnx(model.eval(), { preprocessing: { cropPct: 0.875, interpolation: 'bicubic' } });
    return { safetensors: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), onnx: Buffer.from(onnxBytes) };
  } finally {
    model.dispose();
  }
}
const TINY = tinyModelFiles();

const problems = [];
const log = (line) => process.stdout.write(`test:web-app: ${line}\n`);

await build({ root, logLevel: 'warn' });
const server = await preview({ root, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0, open: false } });
const url = server.resolvedUrls?.local?.[0];
if (!url) throw new Error('vite preview gave no local URL');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.stack ?? e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });

  const backend = process.env.WEB_APP_BACKEND;
  await page.goto(backend ? `${url}?backend=${encodeURIComponent(backend)}` : url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: MINUTE });
  log(`${url}: ${await page.textContent('#backend')}`);

  // Predict with a pasted spec and weights from a file.
  await page.fill('#spec', JSON.stringify(TINY_SPEC));
  await page.setInputFiles('#weights-file', { name: 'tiny-vit.safetensors', mimeType: 'application/octet-stream', buffer: TINY.safetensors });
  await page.click('#predict');
  await page.waitForSelector('#predict-form[data-state="done"]', { timeout: 5 * MINUTE });
  const fromFile = await page.$$eval('#timings dd', (dds) => dds.map((dd) => dd.textContent));
  const fromFileRows = await page.$$eval('#top5 tbody tr', (trs) => trs.length);
  if (fromFileRows !== 5 || !fromFile.includes('tiny-vit.safetensors (safetensors)')) {
    problems.push(`predict with a spec and a weights file: ${fromFileRows} classes, timings ${fromFile.join(', ')} (status: ${await page.textContent('#predict-status')})`);
  }
  log(`predict a pasted spec with tiny-vit.safetensors: ${fromFile.join(', ')}; ${await page.textContent('#attention-status')}`);
  const tfjsTop = await page.$$eval('#top5 tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
  await page.fill('#spec', '');
  await page.setInputFiles('#weights-file', []);

  // Predict: the default preset, no weights (random initialisation), the bundled image.
  await page.selectOption('#preset', PRESET);
  await page.click('#predict');
  await page.waitForSelector('#predict-form[data-state="done"]', { timeout: 5 * MINUTE });
  const predictStatus = await page.textContent('#predict-status');
  const rows = await page.$$eval('#top5 tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent).join(' ')));
  if (rows.length !== 5) problems.push(`predict: expected 5 classes, got ${rows.length} (status: ${predictStatus})`);
  const timings = await page.$$eval('#timings dt', (dts) => dts.map((dt) => `${dt.textContent} ${dt.nextElementSibling?.textContent}`));
  log(`predict ${PRESET}: ${predictStatus}; ${timings.join('; ')}; top: ${rows[0]}`);
  const attention = await page.textContent('#attention-status');
  if (await page.isHidden('#attention-canvas')) problems.push(`predict: no attention map drawn for ${PRESET} (${attention})`);
  log(`attention: ${attention}`);
  mkdirSync(artifacts, { recursive: true });
  const predictShot = join(artifacts, 'web-app-predict.png');
  await page.screenshot({ path: predictShot, fullPage: true });

  // ONNX: the same tiny model exported to ONNX in Node, run in onnxruntime-web; its top-5 must be the Predict tab's.
  await page.click('#tab-onnx');
  await page.setInputFiles('#onnx-file', { name: 'tiny-vit.onnx', mimeType: 'application/octet-stream', buffer: TINY.onnx });
  await page.click('#onnx-run');
  await page.waitForSelector('#onnx-form[data-state="done"], #onnx-form[data-state="failed"]', { timeout: 5 * MINUTE });
  const onnxStatus = await page.textContent('#onnx-status');
  const onnxTop = await page.$$eval('#onnx-top5 tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
  const onnxTimings = await page.$$eval('#onnx-timings dt', (dts) => dts.map((dt) => `${dt.textContent} ${dt.nextElementSibling?.textContent}`));
  log(`onnx: ${onnxStatus}; ${onnxTimings.join('; ')}; top: ${onnxTop[0]?.join(' ')}`);
  const percent = (cell) => Number.parseFloat(cell ?? 'NaN');
  if (onnxTop.length !== 5 || onnxTop[0][0] !== tfjsTop[0][0] || !(Math.abs(percent(onnxTop[0][1]) - percent(tfjsTop[0][1])) <= 0.05)) {
    problems.push(`onnx tab: top-5 ${JSON.stringify(onnxTop)} differs from the Predict tab's ${JSON.stringify(tfjsTop)} for the same model and image (status: ${onnxStatus})`);
  }
  const onnxShot = join(artifacts, 'web-app-onnx.png');
  await page.screenshot({ path: onnxShot, fullPage: true });

  // Train: a few steps, then Stop; the curve must have points and the tensor count must stay flat between steps.
  await page.click('#tab-train');
  await page.click('#train-start');
  const countsAt = [];
  for (let step = 2; step <= TRAIN_STEPS; step++) {
    await page.waitForFunction((n) => Number(document.querySelector('#loss-chart')?.dataset.points) >= n || document.querySelector('#train-status')?.dataset.error, step, {
      timeout: 5 * MINUTE,
    });
    countsAt.push(await page.getAttribute('#train-status', 'data-tensors'));
  }
  await page.click('#train-stop', { timeout: 2 * MINUTE });
  await page.waitForSelector('#train-start:not([disabled])', { timeout: 2 * MINUTE });
  const trainStatus = await page.textContent('#train-status');
  // After Stop the run is scored on the held-out digits with the trainer's evaluation: a share in [0, 1].
  const heldOut = await page.getAttribute('#train-accuracy', 'data-accuracy');
  log(`train: ${await page.textContent('#train-accuracy')}`);
  if (heldOut === null || !(Number(heldOut) >= 0 && Number(heldOut) <= 1)) problems.push(`train: no held-out accuracy after the run (${heldOut}; ${await page.textContent('#train-accuracy')})`);
  const points = Number(await page.getAttribute('#loss-chart', 'data-points'));
  log(`train: ${trainStatus}`);
  if (!(points >= TRAIN_STEPS)) problems.push(`train: the loss curve has ${points} points, expected at least ${TRAIN_STEPS} (status: ${trainStatus})`);
  if (new Set(countsAt).size !== 1) problems.push(`train: tensors in memory changed between steps (${countsAt.join(' → ')}): a step leaks`);
  const shot = join(artifacts, 'web-app.png');
  await page.screenshot({ path: shot, fullPage: true });
  log(`screenshots: ${shot}, ${predictShot}, ${onnxShot}`);
} finally {
  await browser.close();
  await new Promise((resolve) => server.httpServer.close(resolve));
}

if (problems.length) {
  process.stderr.write(`test:web-app: FAILED\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}
log('passed');
