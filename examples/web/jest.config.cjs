// The app's logic under jest in Node (tfjs's cpu engine): the repository's preset, compiled as CommonJS.
const path = require('path');
const preset = require('../../jest.preset.js')(__dirname);

module.exports = {
  ...preset,
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.test.json'), isolatedModules: true, diagnostics: false }],
  },
};
