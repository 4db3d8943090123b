// Preload for a fused kernel's "before" from the same build, in the bench's child processes too:
//   VITKIT_WITHOUT_KERNELS=VitkitMultiHeadAttention,VitkitMultiHeadAttentionGrad \
//     NODE_OPTIONS="-r ./tools/bench/without-kernels.js" node tools/bench/bench.js --models vit_s_bench_32 --backend native
// Right after the bench sets up its backend, the named kernels are unregistered from it, so core's ops take their
// composed path (profile-kernels.js has the same as --without).
'use strict';
const path = require('path');

const names = (process.env.VITKIT_WITHOUT_KERNELS ?? '').split(',').filter(Boolean);
if (names.length) {
  const model = require(path.join(__dirname, 'vitkit-model.js'));
  const setUp = model.setUpBackend;
  model.setUpBackend = async (core, options) => {
    const info = await setUp(core, options);
    const backend = core.tf.getBackend();
    for (const name of names) {
      if (!core.tf.getKernel(name, backend)) throw new Error(`VITKIT_WITHOUT_KERNELS: the ${backend} backend has no kernel "${name}"`);
      core.tf.unregisterKernel(name, backend);
    }
    return info;
  };
}
