'use strict';
// A third-party vitkit plugin for the round trip: tokenizer "doubled-patch" (patch tokens times two). Its PyTorch
// counterpart is doubled_patch_torch.py next to it, registered in the twin through VITKIT_TORCH_PLUGINS.
const core = require('@vitkit/core');
const { PatchEmbed } = require('@vitkit/tokenizers');

class DoubledPatch extends core.Tokenizer {
  constructor(o) {
    super();
    this.inner = this.addModule('inner', new PatchEmbed({ imgSize: [o.imgSize, o.imgSize], patchSize: 4, inChans: o.inChans, embedDim: o.embedDim }));
    this.embedDim = o.embedDim;
    this.numTokens = this.inner.numTokens;
  }

  forward(x) {
    return core.tf.tidy(() => core.tf.mul(this.inner.forward(x), 2));
  }
}

module.exports = {
  name: 'vitkit-plugin-doubled-patch',
  register(registry) {
    const { s } = core;
    registry.register({
      kind: 'tokenizer',
      name: 'doubled-patch',
      owner: 'vitkit-plugin-doubled-patch',
      description: 'patch tokens (patch 4) times two',
      options: s.object({ imgSize: s.int({ min: 1 }), embedDim: s.int({ min: 1 }), inChans: s.default(s.int({ min: 1 }), 3) }),
      example: { imgSize: 8, embedDim: 4 },
      create: (o) => new DoubledPatch(o),
    });
  },
};
