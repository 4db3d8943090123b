import { defineConfig } from 'vite';
import { mnistDigits } from './vite/mnist-digits-plugin.ts';
import { ortFiles } from './vite/ort-files-plugin.ts';

/** How many MNIST digits the Train tab gets (about 3 MB of pixels). */
const TRAIN_DIGITS = 4096;

export default defineConfig({
  // Relative asset URLs: the build works from any folder a static server puts it in.
  base: './',
  plugins: [mnistDigits(TRAIN_DIGITS), ortFiles()],
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: { port: 5173 },
  preview: { port: 4173 },
});
