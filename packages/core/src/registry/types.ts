import type { PretrainedConfig } from '../models/pretrained-config';
import type { Schema } from '../spec/schema';

/** The kinds of component plugins contribute. Open-ended: a plugin may introduce its own kind. */
export type ComponentKind =
  | 'tokenizer'
  | 'backbone'
  | 'fusion'
  | 'head'
  | 'dataset'
  | 'transform'
  | 'optimizer'
  | 'schedule'
  | 'loss'
  | (string & {});

/** A component in a spec: its registered `type` plus its options. A bare string is shorthand for `{ type }`. */
export type ComponentSpec = string | ({ type: string } & Record<string, unknown>);

/** What a factory receives besides its options: the means to build sub-components from their specs. */
export interface BuildContext {
  /** Spec path of the component being built (for error messages). */
  readonly path: string;
  /**
   * Builds a registered component. `inherited` fills options the sub-spec leaves out (for instance the
   * image size and width a backbone hands to its tokenizer); options written in the spec win.
   */
  build<T>(kind: ComponentKind, spec: ComponentSpec, path: string, inherited?: Record<string, unknown>): T;
}

export interface ComponentDefinition<O = Record<string, unknown>, T = unknown> {
  kind: ComponentKind;
  name: string;
  /** Package (or file) that registered it; named in duplicate-registration errors. */
  owner: string;
  description: string;
  options: Schema<O>;
  create(options: O, ctx: BuildContext): T;
  /**
   * Backbones: a small complete option set (tiny image, few blocks) that the registry contract tests build, run
   * and round-trip. Required for every backbone so no registered model escapes the contract.
   */
  example?: Record<string, unknown>;
}

/** A named model configuration (timm-style preset) written as a plain model spec. */
export interface PresetDefinition {
  name: string;
  owner: string;
  description: string;
  /** The model spec this preset stands for: `{ type: <backbone>, ...options }`. */
  spec: { type: string } & Record<string, unknown>;
  aliases?: string[];
  /** Input size the reference numbers are quoted at, when it differs from the model's own (CrossViT: 240). */
  referenceInput?: [number, number, number];
  /** The published weights of this preset (URL, claimed top-1, eval transform), as timm's pretrained config. */
  pretrained?: PretrainedConfig;
}

/** The contract of a plugin package: an explicit registration function, no import side effects. */
export interface VitkitPlugin {
  name: string;
  register(registry: RegistryLike): void;
}

/** The registry surface a plugin sees. */
export interface RegistryLike {
  register<O, T>(def: ComponentDefinition<O, T>): void;
  registerPreset(def: PresetDefinition): void;
}
