import { tf } from '../tf';
import { selectBackend } from '../backend/select-backend';

/** The backends every numerical test runs on: wasm (the default install) and cpu (the reference). */
export const TEST_BACKENDS = ['wasm', 'cpu'] as const;

/** Activates a backend quietly for a test file. */
export async function useBackend(name: (typeof TEST_BACKENDS)[number]): Promise<void> {
  await selectBackend(name, { quiet: true });
  if (tf.getBackend() !== name) throw new Error(`could not activate backend ${name}`);
}
