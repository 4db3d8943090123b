// The parity fixture the onnxruntime-web check exports, with the model spec equivalent to its official constructor (as
// the Node parity tests build them: backbones' testing/t2t.ts and dual-branch.test.ts). The constructor string is
// kept so the runner can refuse a fixture whose JSON no longer describes the model the spec builds.
'use strict';

/** @type {Record<string, { constructor: string, spec: Record<string, unknown> }>} */
const BROWSER_FIXTURES = {
  t2t_tiny_transformer: {
    constructor:
      "T2T_ViT(img_size=64, tokens_type='transformer', in_chans=3, num_classes=10, embed_dim=64, depth=2, num_heads=2, mlp_ratio=2.0, token_dim=32)",
    spec: {
      type: 'deep-narrow',
      imgSize: 64,
      inChans: 3,
      numClasses: 10,
      embedDim: 64,
      depth: 2,
      numHeads: 2,
      mlpRatio: 2,
      tokenizer: { type: 't2t', attention: 'transformer', tokenDim: 32 },
    },
  },
};

module.exports = { BROWSER_FIXTURES };
