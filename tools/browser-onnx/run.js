#!/usr/bin/env node
// onnxruntime-web (`npm run test:browser`, after `npm run build`; issue 21): exports a parity fixture's model with the
// official weights to ONNX in Node (@vitkit/onnx), serves the file with onnxruntime-web's own scripts and .wasm files,
// and in headless Chromium (the system's, through playwright-core) runs it in onnxruntime-web on the fixture's input,
// on the wasm engine and on the WebGPU engine (Chromium is given SwiftShader's Vulkan as its WebGPU adapter: no GPU).
// A segmentation model is exported and run the same way, against vitkit's own per-pixel logits computed in Node.
// Exits 1 when max |logits − reference| exceeds the fixtures' pass criterion (1e-4). The page is bundled with esbuild
// through the packages' `browser` export conditions, as an app's bundler would.
// Environment: VITKIT_CHROMIUM (default /usr/bin/chromium), SHARED_DIR (default ../shared beside the repository).
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const esbuild = require('esbuild');
const { chromium } = require('playwright-core');
const { BROWSER_FIXTURES } = require('./fixtures');

const ROOT = path.resolve(__dirname, '../..');
const FIXTURES_DIR = path.join(process.env.SHARED_DIR ?? path.resolve(ROOT, '../shared'), 'fixtures');
// onnxruntime-web exports no package.json; its main file sits in dist/ with the browser builds and .wasm files.
const ORT_DIR = path.dirname(require.resolve('onnxruntime-web'));
// The fixture whose model is exported to ONNX here (Node, @vitkit/onnx) and run in onnxruntime-web in the page.
const ONNX_FIXTURE = 't2t_tiny_transformer';
const CHROMIUM = process.env.VITKIT_CHROMIUM ?? '/usr/bin/chromium';
const TOLERANCE = 1e-4;
const ENGINES = ['wasm', 'webgpu'];
// No PyTorch fixture exists for a segmentation model, so vitkit's own output in Node is the reference. The input is
// non-square (rows and columns resize with different taps) and the batch is 2 (the export's batch is dynamic); the
// VT-FPN neck and semantic-FPN head bring the Gather resizes and GroupNorm that the classifiers do not use.
const SEGMENTATION = {
  name: 'segmentation_vt_fpn',
  batch: 2,
  spec: {
    type: 'segmentation',
    backbone: { type: 'resnet', block: 'basic', layers: [1, 1, 1, 1], widths: [4, 8, 8, 16] },
    neck: { type: 'vt-fpn', outChannels: 8, numTokens: 2, tokenChannels: 16, projDim: 4 },
    head: { type: 'semantic-fpn', convDims: 8, groups: 2 },
    numClasses: 3,
    imgSize: [64, 32],
  },
};
// A WebGPU adapter without a GPU: SwiftShader's Vulkan, shipped with Debian's chromium (libvk_swiftshader.so).
const SWIFTSHADER_WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan'];

/** The page bundle, resolved as a browser app's bundler resolves it (the `browser` export conditions). */
async function bundlePage() {
  for (const pkg of ['core']) {
    if (!fs.existsSync(path.join(ROOT, 'packages', pkg, 'dist/esm'))) throw new Error(`packages/${pkg}/dist/esm is missing: run \`npm run build\` first`);
  }
  const result = await esbuild.build({
    entryPoints: [path.join(__dirname, 'page.js')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    logLevel: 'warning',
    // Not the workspace tsconfigs: their `paths` send @vitkit/* to the Node sources; a user's bundler sees none of them.
    tsconfigRaw: '{}',
  });
  return result.outputFiles[0].contents;
}

/** The fixture's JSON must still describe the model its spec builds. */
function checkFixture(name) {
  const jsonFile = path.join(FIXTURES_DIR, `${name}.json`);
  if (!fs.existsSync(jsonFile)) throw new Error(`${jsonFile} not found (set SHARED_DIR to the folder holding fixtures/)`);
  const meta = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  if (meta.constructor !== BROWSER_FIXTURES[name].constructor) {
    throw new Error(`${jsonFile}: constructor is now\n  ${meta.constructor}\nbut tools/browser-onnx/fixtures.js builds\n  ${BROWSER_FIXTURES[name].constructor}`);
  }
}

function firstPartyRegistry() {
  const core = require('@vitkit/core');
  return core.createRegistry({ plugins: ['@vitkit/tokenizers', '@vitkit/fusion', '@vitkit/backbones'].map((p) => require(p).plugin) });
}

/** The ONNX file of a fixture's model with the official weights, exported by vitkit in Node. */
async function exportFixtureOnnx(name) {
  const core = require('@vitkit/core');
  const { exportOnnx } = require('@vitkit/onnx');
  await core.selectBackend('cpu', { quiet: true });
  const file = path.join(FIXTURES_DIR, `${name}.safetensors`);
  const model = core.buildModel(firstPartyRegistry(), BROWSER_FIXTURES[name].spec);
  try {
    const { tensors } = await core.readSafetensors(file);
    core.loadStateDict(model, tensors, { strict: true, source: file });
    model.eval();
    return exportOnnx(model);
  } finally {
    model.dispose();
  }
}

/** SEGMENTATION's model exported to ONNX, with a seeded NHWC batch and vitkit's logits for it (plain arrays). */
async function exportSegmentationWithReference() {
  const core = require('@vitkit/core');
  const { exportOnnx } = require('@vitkit/onnx');
  await core.selectBackend('cpu', { quiet: true });
  const model = core.buildSegmenter(firstPartyRegistry(), SEGMENTATION.spec);
  try {
    model.eval();
    const [h, w] = model.config.inputSize;
    const x = core.tf.randomNormal([SEGMENTATION.batch, h, w, model.config.inChans], 0, 1, 'float32', 7);
    const want = core.tf.tidy(() => model.forward(x));
    const reference = { input: Array.from(x.dataSync()), dims: x.shape, want: Array.from(want.dataSync()) };
    core.tf.dispose([x, want]);
    return { onnx: exportOnnx(model), reference };
  } finally {
    model.dispose();
  }
}

/** Serves the page, its bundle, the fixtures (/fixtures/), onnxruntime-web (/ort/) and the exported ONNX files (/onnx/<name>.onnx). */
function serve(bundle, onnxFiles) {
  const html = '<!doctype html><meta charset="utf-8"><title>vitkit browser parity</title><script type="module" src="/page.js"></script>';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const send = (type, body) => res.writeHead(200, { 'content-type': type }).end(body);
    const file = (dir, name, type) => {
      const full = path.join(dir, path.basename(name));
      if (!fs.existsSync(full)) return res.writeHead(404).end(`${url.pathname} not found`);
      send(type, fs.readFileSync(full));
    };
    if (url.pathname === '/') return send('text/html', html);
    if (url.pathname === '/favicon.ico') return res.writeHead(204).end(); // asked for by every page; there is none
    if (url.pathname === '/page.js') return send('text/javascript', bundle);
    if (url.pathname.startsWith('/fixtures/')) return file(FIXTURES_DIR, url.pathname, 'application/octet-stream');
    if (url.pathname.startsWith('/ort/')) return file(ORT_DIR, url.pathname, url.pathname.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
    const onnxName = url.pathname.match(/^\/onnx\/([\w-]+)\.onnx$/)?.[1];
    if (onnxName && onnxFiles[onnxName]) return send('application/octet-stream', onnxFiles[onnxName]);
    res.writeHead(404).end(`${url.pathname} not found`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function main() {
  checkFixture(ONNX_FIXTURE);
  const segmentation = await exportSegmentationWithReference();
  const server = await serve(await bundlePage(), { [ONNX_FIXTURE]: await exportFixtureOnnx(ONNX_FIXTURE), [SEGMENTATION.name]: segmentation.onnx });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', ...SWIFTSHADER_WEBGPU_ARGS],
  });
  let failures = 0;
  try {
    const page = await browser.newPage();
    page.on('console', (m) => m.type() === 'error' && process.stderr.write(`page: ${m.text()}\n`));
    page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.vitkitReady === true, null, { timeout: 60000 });
    // The same fixture exported to ONNX by vitkit, run by onnxruntime-web in the page on each engine.
    for (const engine of ENGINES) {
      const o = await page.evaluate((args) => window.vitkitOnnxWeb(args), { modelUrl: `/onnx/${ONNX_FIXTURE}.onnx`, fixtureUrl: `/fixtures/${ONNX_FIXTURE}.safetensors`, engine });
      const onnxOk = o.maxDiff <= TOLERANCE;
      if (!onnxOk) failures++;
      console.log(`${onnxOk ? 'ok  ' : 'FAIL'} ${ONNX_FIXTURE} exported to ONNX, in onnxruntime-web (${engine}): max|logits - __logits__| = ${o.maxDiff.toExponential(2)} (limit ${TOLERANCE})`);
    }
    for (const engine of ENGINES) {
      const o = await page.evaluate((args) => window.vitkitOnnxWebAgainst(args), { modelUrl: `/onnx/${SEGMENTATION.name}.onnx`, engine, ...segmentation.reference });
      const ok = o.maxDiff <= TOLERANCE;
      if (!ok) failures++;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${SEGMENTATION.name} exported to ONNX, in onnxruntime-web (${engine}), batch ${SEGMENTATION.batch}: max|logits - vitkit's| = ${o.maxDiff.toExponential(2)} (limit ${TOLERANCE})`);
    }
  } finally {
    await browser.close();
    server.close();
  }
  process.exit(failures ? 1 : 0);
}

main().catch((e) => {
  process.stderr.write(`onnxruntime-web check: ${e.stack ?? e}\n`);
  process.exit(1);
});
