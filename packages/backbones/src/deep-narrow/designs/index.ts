/**
 * The paper's CNN-to-ViT block designs (T2T-ViT paper §3.2 / Table 6), written after the official
 * `t2t_vit_se.py`, `t2t_vit_ghost.py` and `t2t_vit_dense.py` (same member names, so their checkpoints load).
 * One design part per file: SE (`SELayer`, `SEAttention`), ghost (`CheapOperation`, `GhostAttention`, `GhostMlp`),
 * the pre-norm block that takes either (`DesignBlock`), and the dense variant (`DenseBlock`, `Transition`).
 */
export type { DesignBlockOptions } from './design-block-options';
export { SELayer } from './se-layer';
export { SEAttention } from './se-attention';
export { CheapOperation } from './cheap-operation';
export { GhostAttention } from './ghost-attention';
export { GhostMlp } from './ghost-mlp';
export { DesignBlock } from './design-block';
export { DenseBlock } from './dense-block';
export { Transition } from './transition';
