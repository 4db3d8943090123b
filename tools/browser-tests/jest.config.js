// `npm run test:browser`: the browser builds bundled with esbuild, and run in headless Chromium (playwright-core).
// Not part of `npm test`: it needs a Chromium (Debian's /usr/bin/chromium, or $VITKIT_CHROMIUM) and the built dist/esm.
module.exports = { ...require('../../jest.preset.js')(__dirname), testTimeout: 600000 };
