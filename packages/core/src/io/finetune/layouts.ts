/**
 * What fine-tuning needs to know about a model family: which parameters are the classifier (reset when the class
 * count changes) and which are learned position tables `[1, prefix + g², C]` (resized when the image size changes).
 * One small table keyed by backbone type, so a family that renames its head changes one line here.
 */
export interface FinetuneLayout {
  /** Classifier parameter names. */
  head: RegExp;
  /** Position-embedding parameter names. */
  posEmbed: RegExp;
  /** Tokens before the patch grid in a position table (the class token). */
  prefixTokens: number;
}

const NONE = /$^/;

export const FINETUNE_LAYOUTS: Readonly<Record<string, FinetuneLayout>> = {
  // T2T-ViT (official names): head, pos_embed with the class token first.
  'deep-narrow': { head: /^head\.(weight|bias)$/, posEmbed: /^pos_embed$/, prefixTokens: 1 },
  // Plain ViT (timm names).
  vit: { head: /^head\.(weight|bias)$/, posEmbed: /^pos_embed$/, prefixTokens: 1 },
  // CrossViT (IBM names): one head and one position table per branch.
  'dual-branch': { head: /^head\.\d+\.(weight|bias)$/, posEmbed: /^pos_embed\.\d+$/, prefixTokens: 1 },
  // torchvision ResNet and VT-ResNet: fc; no position table.
  resnet: { head: /^fc\.(weight|bias)$/, posEmbed: NONE, prefixTokens: 0 },
  'vt-resnet': { head: /^fc\.(weight|bias)$/, posEmbed: NONE, prefixTokens: 0 },
};

/** For a backbone type without an entry: the names timm and the official repositories use. */
export const DEFAULT_FINETUNE_LAYOUT: FinetuneLayout = {
  head: /^(head|fc|classifier)(\.\d+)?\.(weight|bias)$/,
  posEmbed: /^pos_embed(\.\d+)?$/,
  prefixTokens: 1,
};

export function finetuneLayout(type: string): FinetuneLayout {
  return FINETUNE_LAYOUTS[type] ?? DEFAULT_FINETUNE_LAYOUT;
}
