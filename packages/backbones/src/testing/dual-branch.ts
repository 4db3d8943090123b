import { createRegistry, Registry, RegistryLike } from '@vitkit/core';
import { registerConvStem, registerPatch } from '@vitkit/tokenizers';
import { plugin as fusionPlugin } from '@vitkit/fusion';
import { registerDualBranch } from '../dual-branch';

/** A registry with the patch and conv-stem tokenizers, the dual-branch backbone and every fusion (+ `extra`). */
export function testRegistry(extra?: (r: RegistryLike) => void): Registry {
  return createRegistry({
    plugins: [
      {
        name: 'x-test',
        register: (r) => {
          registerPatch(r);
          registerConvStem(r);
          registerDualBranch(r);
          fusionPlugin.register(r);
          extra?.(r);
        },
      },
    ],
  });
}
