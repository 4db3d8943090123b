// The input files the READMEs' commands name (x.safetensors, w.safetensors, digit.png), made on the spot from the
// built packages: the commands stay exactly as the READMEs print them.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

/** An 8-bit greyscale PNG (a bright square on black), written with zlib: no image library needed. */
function greyPng(width, height) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(width + 1); // filter byte 0, then pixels
    for (let x = 0; x < width; x++) row[x + 1] = x > width / 3 && x < (2 * width) / 3 && y > height / 4 && y < (3 * height) / 4 ? 255 : 0;
    rows.push(row);
  }
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

/** `forward --spec <preset> --weights w.safetensors --input x.safetensors`: random weights of that preset and an input. */
async function forwardFiles(root, preset, weightsFile, inputFile) {
  const load = (name) => require(require.resolve(name, { paths: [root] }));
  const core = load('@vitkit/core');
  await core.selectBackend('cpu', { quiet: true });
  const registry = core.createRegistry({ plugins: [load('@vitkit/tokenizers').plugin, load('@vitkit/backbones').plugin] });
  const model = core.buildModel(registry, preset);
  try {
    await core.saveSafetensors(model, path.join(root, weightsFile));
    const [h, w] = model.config.inputSize;
    const shape = [1, model.config.inChans, h, w];
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => Math.sin(i) * 0.5 + 0.5);
    await core.writeSafetensors(path.join(root, inputFile), [['__input__', { shape, data }]]);
  } finally {
    model.dispose();
  }
}

function flagValue(command, flag) {
  const m = command.match(new RegExp(`${flag}\\s+(\\S+)`));
  return m ? m[1] : undefined;
}

/**
 * Writes the files the commands read but nothing produces; adds to `created` every file the check makes outside
 * runs/ (inputs and --output files), for the caller to remove afterwards.
 */
async function prepareInputs(root, commands, created) {
  const refuseExisting = (file) => {
    if (fs.existsSync(path.join(root, file))) throw new Error(`${file} exists already: the check would overwrite it (run it in a clean clone)`);
  };
  for (const { command } of commands) {
    if (/ forward /.test(command)) {
      const weights = flagValue(command, '--weights');
      const input = flagValue(command, '--input');
      const output = flagValue(command, '--output');
      [weights, input, output].filter(Boolean).forEach(refuseExisting);
      await forwardFiles(root, flagValue(command, '--spec'), weights, input);
      created.push(weights, input);
      if (output) created.push(output);
    }
    for (const png of command.match(/\S+\.png\b/g) ?? []) {
      refuseExisting(png);
      fs.writeFileSync(path.join(root, png), greyPng(28, 28));
      created.push(png);
    }
  }
}

module.exports = { prepareInputs, greyPng };
