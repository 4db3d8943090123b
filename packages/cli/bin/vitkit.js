#!/usr/bin/env node
// The `vitkit` bin. It is a committed file rather than dist/main.js because npm links a workspace's bins before the
// root postinstall builds dist: a bin pointing into dist would never be linked on a fresh clone.
'use strict';
const path = require('path');

const entry = path.join(__dirname, '..', 'dist', 'main.js');
let cli;
try {
  cli = require(entry);
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(entry)) {
    process.stderr.write(
      `vitkit: @vitkit/cli is not built (${path.relative(process.cwd(), entry) || entry} is missing).\n` +
        'In a clone of the vitkit repository run `npm run build` (npm install runs it as postinstall).\n',
    );
    process.exit(1);
  }
  throw e;
}
cli.runFromProcess();
