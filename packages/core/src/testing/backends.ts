import { tf } from '../tf';
import { selectBackend } from '../backend/select-backend';

/** Set to 1 where the native engine must be tested (CI builds it): a missing addon then fails instead of skipping. */
export const REQUIRE_NATIVE_ENV = 'VITKIT_REQUIRE_NATIVE';

/** True when @vitkit/backend-native is installed and its addon loads on this machine. */
function nativeBuilt(): boolean {
  let load: { ok: boolean; reason?: string };
  try {
    load = require('@vitkit/backend-native').loadAddon();
  } catch (e) {
    load = { ok: false, reason: `@vitkit/backend-native is not installed (${(e as Error).message.split('\n')[0]})` };
  }
  if (!load.ok && process.env[REQUIRE_NATIVE_ENV] === '1') throw new Error(`${REQUIRE_NATIVE_ENV}=1 but ${load.reason}`);
  return load.ok;
}

export type TestBackend = 'wasm' | 'cpu' | 'native';

/**
 * The backends every numerical test runs on: wasm (the default install), cpu (the reference) and native where its
 * addon is built (skipped only when it is not; CI builds it and sets VITKIT_REQUIRE_NATIVE=1).
 */
export const TEST_BACKENDS: readonly TestBackend[] = ['wasm', 'cpu', ...(nativeBuilt() ? (['native'] as const) : [])];

/** Activates a backend quietly for a test file. */
export async function useBackend(name: TestBackend): Promise<void> {
  await selectBackend(name, { quiet: true });
  if (tf.getBackend() !== name) throw new Error(`could not activate backend ${name}`);
}
