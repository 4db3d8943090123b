/**
 * Which first-party package registers each component, so a "not registered" error can name the package and its
 * install line (e.g. `@vitkit/backbones` installed without `@vitkit/tokenizers`). Kept in step with the packages'
 * plugins by `npm run check:packages` (tools/e2e-registry/check-packages.js), since core cannot import them.
 */
export const FIRST_PARTY_COMPONENTS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  '@vitkit/tokenizers': { tokenizer: ['clustering', 'conv-stem', 'filter', 'patch', 'pooling', 'recurrent', 't2t'] },
  '@vitkit/backbones': {
    backbone: ['deep-narrow', 'dual-branch', 'resnet', 'vit', 'vt-resnet'],
    neck: ['fpn', 'vt-fpn'],
    'seg-head': ['conv1x1', 'semantic-fpn'],
    segmenter: ['segmentation'],
  },
  '@vitkit/fusion': { fusion: ['all-attention', 'class-token', 'cross-attention', 'none', 'pairwise'], report: ['fusion-ablation'] },
  '@vitkit/data': {
    dataset: ['cifar10', 'cifar100', 'fashion-mnist', 'image-folder', 'mnist', 'synthetic'],
    transform: ['center-crop', 'channels', 'horizontal-flip', 'normalize', 'rand-augment', 'random-crop', 'random-erasing', 'random-resized-crop', 'resize'],
    'batch-transform': ['cutmix', 'mixup', 'mixup-cutmix'],
  },
  '@vitkit/trainer': { loss: ['cross-entropy', 'soft-target-cross-entropy', 'pixel-cross-entropy'], optimizer: ['adamw', 'sgd'], schedule: ['constant', 'cosine', 'step'] },
};

/** The first-party package that provides `name` of `kind`, if any. */
export function firstPartyPackageOf(kind: string, name: string): string | undefined {
  return Object.keys(FIRST_PARTY_COMPONENTS).find((pkg) => FIRST_PARTY_COMPONENTS[pkg][kind]?.includes(name));
}

/** Suffix for a "not registered" message: which package provides the component and how to get it ('' if none). */
export function missingComponentHint(kind: string, name: unknown): string {
  const pkg = typeof name === 'string' ? firstPartyPackageOf(kind, name) : undefined;
  if (!pkg) return '';
  return `. "${name}" is provided by ${pkg}: install it with \`npm install ${pkg}\` and add its \`plugin\` export to createRegistry({ plugins }) (the CLI loads it once installed)`;
}
