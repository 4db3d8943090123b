// Options shared by the Table 6 design blocks (SE, ghost and dense variants of the pre-norm block).
import type { Initializer } from '@vitkit/core';

export interface DesignBlockOptions {
  numHeads: number;
  mlpRatio: number;
  qkvBias: boolean;
  normEps: number;
  qkScale?: number;
  drop?: number;
  attnDrop?: number;
  dropPath?: number;
  weightInit?: Initializer;
  biasInit?: Initializer;
}
