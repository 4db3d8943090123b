/**
 * The first-party plugins the CLI loads when they are installed, so that `vitkit list` and `vitkit info t2t_vit_14`
 * work without a spec. This choice belongs to the CLI, not to core: a library registry holds only what its caller
 * (or the spec's "plugins") asks for.
 */
export const DEFAULT_PLUGINS = ['@vitkit/tokenizers', '@vitkit/backbones', '@vitkit/fusion', '@vitkit/data', '@vitkit/trainer'] as const;
