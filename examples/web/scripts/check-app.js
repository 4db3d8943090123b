#!/usr/bin/env node
// `npm run test:web-app` (root): builds the app, serves the build, opens it in Debian's Chromium (never a downloaded
// browser; WebGL through SwiftShader), runs a prediction on the bundled test image with a randomly initialised preset
// and with a pasted spec and a safetensors file, the same model exported to ONNX in the ONNX tab (onnxruntime-web's
// wasm engine, and its WebGPU engine in a second Chromium given a SwiftShader WebGPU adapter),
// then a few training steps, and fails on any console error, page error, failed request or missing result.
// Screenshots go to .ci-artifacts/ at the repository root; their paths are printed at the end.
// Environment: CHROMIUM_PATH (default /usr/bin/chromium), WEB_APP_BACKEND (a backend to ask for; default automatic).
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { runOnnxTab, SWIFTSHADER_WEBGPU_ARGS, topOneProblems } from './onnx-tab.js';

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

/** Records the page's console errors, page errors, failed requests and HTTP errors as problems. */
function watch(page) {
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.stack ?? e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
}

/**
 * The ONNX tab's WebGPU engine, in a second Chromium that has a (SwiftShader) WebGPU adapter: the tab must choose
 * WebGPU and give the Predict tab's top-1. Returns the screenshot's path.
 */
async function checkOnnxOnWebGpu(tfjsTop) {
  const gpuBrowser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: SWIFTSHADER_WEBGPU_ARGS });
  try {
    const page = await gpuBrowser.newPage({ viewport: { width: 1100, height: 1400 } });
    watch(page);
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: MINUTE });
    const onnxGpu = await runOnnxTab(page, TINY.onnx, 'tiny-vit.onnx');
    log(`onnx with a WebGPU adapter: ${onnxGpu.status}; ${onnxGpu.timings.join('; ')}; top: ${onnxGpu.top[0]?.join(' ')}`);
    if (onnxGpu.timings[0] !== 'engine onnxruntime-web (webgpu)') {
      problems.push(`onnx tab with a WebGPU adapter: ${onnxGpu.timings[0] ?? 'no engine shown'}, expected webgpu (status: ${onnxGpu.status}; does this Chromium ship libvk_swiftshader.so?)`);
    }
    problems.push(...topOneProblems('onnx tab (webgpu)', onnxGpu, tfjsTop));
    const path = join(artifacts, 'web-app-onnx-webgpu.png');
    await page.screenshot({ path, fullPage: true });
    return path;
  } finally {
    await gpuBrowser.close();
  }
}

let onnxWebGpuShot = '';
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
  watch(page);

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
  // This browser has no WebGPU adapter, so the tab runs the wasm engine.
  const onnxWasm = await runOnnxTab(page, TINY.onnx, 'tiny-vit.onnx');
  log(`onnx: ${onnxWasm.status}; ${onnxWasm.timings.join('; ')}; top: ${onnxWasm.top[0]?.join(' ')}`);
  if (onnxWasm.timings[0] !== 'engine onnxruntime-web (wasm)') problems.push(`onnx tab without WebGPU: ${onnxWasm.timings[0]}, expected the wasm engine`);
  problems.push(...topOneProblems('onnx tab (wasm)', onnxWasm, tfjsTop));
  const onnxShot = join(artifacts, 'web-app-onnx.png');
  await page.screenshot({ path: onnxShot, fullPage: true });
  onnxWebGpuShot = await checkOnnxOnWebGpu(tfjsTop);

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
  log(`screenshots: ${shot}, ${predictShot}, ${onnxShot}, ${onnxWebGpuShot}`);
} finally {
  await browser.close();
  await new Promise((resolve) => server.httpServer.close(resolve));
}

if (problems.length) {
  process.stderr.write(`test:web-app: FAILED\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}
log('passed');
