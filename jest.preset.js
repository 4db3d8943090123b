// Shared jest settings: tests import sibling packages from source, so `npm test` needs no build.
const path = require('path');

/** @param {string} packageDir absolute directory of the package whose tests run */
module.exports = function jestPreset(packageDir) {
  // Each package's `test` script writes its results here for tools/test-summary.js.
  require('fs').mkdirSync(path.join(__dirname, '.jest-results', 'packages'), { recursive: true });
  return {
    rootDir: packageDir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/*.test.ts'],
    // TypeScript first: a stray compiled .js next to a .ts source must never shadow it.
    moduleFileExtensions: ['ts', 'js', 'json', 'node'],
    transform: {
      '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(packageDir, 'tsconfig.json'), isolatedModules: true, diagnostics: false }],
    },
    moduleNameMapper: {
      '^@vitkit/([a-z-]+)$': path.join(__dirname, 'packages/$1/src/index.ts'),
      '^@vitkit/([a-z-]+)/testing$': path.join(__dirname, 'packages/$1/src/testing/index.ts'),
    },
    setupFiles: [path.join(__dirname, 'tools/jest/setup-reflect.js')],
    testTimeout: 120000,
    maxWorkers: 1,
  };
};
