import type { Module } from '@vitkit/core';
import type { OptimParam } from './optimizer';

const NO_DECAY_NAME = /(^|\.)(pos_embed|cls_token|dist_token)(\.|_|$)|(^|\.)[^.]*_token$/;

/** Whether AdamW/SGD apply weight decay: never to norms/biases (core marks those), position embeddings or tokens. */
export function paramDecays(name: string, decay: boolean): boolean {
  return decay && !NO_DECAY_NAME.test(name);
}

/** A model's trainable parameters as an optimizer takes them: by reference name, with their weight-decay rule. */
export function trainableParams(model: Module): OptimParam[] {
  return model
    .namedParameters()
    .filter(([, p]) => p.trainable)
    .map(([name, p]) => ({ name, variable: p.variable, decay: paramDecays(name, p.decay) }));
}
