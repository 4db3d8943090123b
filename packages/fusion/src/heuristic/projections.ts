import { Layer } from '@vitkit/core';
import { projection } from '../common';
import type { HeuristicFusionOptions } from './heuristic-options';

/** f_i (branch width → D) and g_i (D → branch width) for every branch, as `projs` / `revert_projs`. */
export function projections(o: HeuristicFusionOptions, d: number): { projs: Layer[]; reverts: Layer[] } {
  return {
    projs: o.dims.map((c) => projection(c, d, o.normEps, o.identityWhenEqual && c === d)),
    reverts: o.dims.map((c) => projection(d, c, o.normEps, o.identityWhenEqual && c === d)),
  };
}
