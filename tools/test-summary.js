#!/usr/bin/env node
// Prints one closing line over every package's jest results (written by each package's `test` script),
// so CI logs end with the totals: "N passed, N failed".
const fs = require('fs');
const path = require('path');

const dir = path.join(__dirname, '..', '.jest-results', 'packages');
let passed = 0;
let failed = 0;
let skipped = 0;
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
for (const f of files) {
  const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests || 0);
  console.log(`${f.replace(/\.json$/, '').padEnd(12)} ${r.numPassedTests} passed, ${r.numFailedTests} failed (${r.numTotalTestSuites} suites)`);
}
if (files.length === 0) {
  console.log('no jest results found');
  process.exit(1);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
