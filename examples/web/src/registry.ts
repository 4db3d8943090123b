import { createRegistry } from '@vitkit/core';
import type { Registry } from '@vitkit/core';
import { plugin as backbones } from '@vitkit/backbones';
import { plugin as fusion } from '@vitkit/fusion';
import { plugin as tokenizers } from '@vitkit/tokenizers';

/** vitkit's first-party model components: a browser imports each plugin (nothing is found by name). */
export function appRegistry(): Registry {
  return createRegistry({ plugins: [tokenizers, fusion, backbones] });
}
