import type { PretrainedConfig } from '../models/pretrained-config';
import type { InjectionToken } from 'tsyringe';
import type { Schema } from '../spec/schema';
import type { ComponentKinds, KindContract, KnownKind } from './kinds';

/** The kinds of component plugins contribute. Open-ended: a plugin may introduce its own kind. */
export type ComponentKind =
  | 'tokenizer'
  | 'backbone'
  | 'fusion'
  | 'head'
  | 'neck'
  | 'seg-head'
  | 'segmenter'
  | 'dataset'
  | 'transform'
  | 'batch-transform'
  | 'optimizer'
  | 'schedule'
  | 'loss'
  | 'report'
  | (string & {});

/** A component in a spec: its registered `type` plus its options. A bare string is shorthand for `{ type }`. */
export type ComponentSpec = string | ({ type: string } & Record<string, unknown>);

/** What a factory receives besides its options: the means to build sub-components from their specs. */
export interface BuildContext {
  /** Spec path of the component being built (for error messages). */
  readonly path: string;
  /**
   * Builds a registered component, checked against its kind's contract. `inherited` fills options the sub-spec
   * leaves out (for instance the image size and width a backbone hands to its tokenizer); options written in the
   * spec win. A known kind gives its type: `ctx.build('fusion', o.fusion, path)` is a `Fusion`.
   */
  build<K extends KnownKind>(kind: K, spec: ComponentSpec, path: string, inherited?: Record<string, unknown>): ComponentKinds[K];
  build<T>(kind: ComponentKind, spec: ComponentSpec, path: string, inherited?: Record<string, unknown>): T;
  /** Resolves a service from this build's child container (services a plugin registered on `registry.container`, or `BUILD_CONTEXT`). */
  resolve<T>(token: InjectionToken<T>): T;
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
   * A small complete option set (tiny image, few blocks) that the registry contract tests build and check
   * against the kind's contract (backbones are also run and round-tripped). Required for every component
   * of a kind with a contract, so nothing registered escapes the contract tests.
   */
  example?: Record<string, unknown>;
}

/** A named model configuration (timm-style preset) written as a plain model spec. */
export interface PresetDefinition {
  name: string;
  owner: string;
  description: string;
  /** Kind the preset's spec builds: `backbone` (an image classifier, the default) or `segmenter`. */
  kind?: 'backbone' | 'segmenter';
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
  /** Declares the contract of a kind the plugin introduces (checked on every build of that kind). */
  defineKind(contract: KindContract): void;
}
