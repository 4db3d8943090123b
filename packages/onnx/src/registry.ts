import type { Module } from '@vitkit/core';
import type { ExportContext } from './context';

/**
 * Emits the ONNX nodes of one module: receives the value names of its forward inputs and returns the names of its
 * outputs. Children are emitted with `ctx.emit(child, inputs)`, parameters referenced with `ctx.param(...)`.
 */
export type OnnxEmitter<M extends Module = Module> = (module: M, inputs: string[], ctx: ExportContext) => string[];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a class of any constructor signature
export type ModuleClass<M extends Module = Module> = abstract new (...args: any[]) => M;

interface Entry {
  emitter: OnnxEmitter;
  owner: string;
}

/** A package that makes its modules exportable: `register` adds one emitter per module class. */
export interface OnnxPlugin {
  name: string;
  register(emitters: OnnxEmitters): void;
}

/**
 * The export registry: one emitter per module class, looked up by the exact class (a subclass may change
 * `forward`, so it never silently inherits its parent's emitter; it registers its own).
 */
export class OnnxEmitters {
  private readonly byClass = new Map<ModuleClass, Entry>();

  register<M extends Module>(cls: ModuleClass<M>, emitter: OnnxEmitter<M>, owner: string): this {
    const known = this.byClass.get(cls);
    if (known) throw new Error(`ONNX emitter for ${cls.name} is already registered by ${known.owner} (registering again from ${owner})`);
    this.byClass.set(cls, { emitter: emitter as OnnxEmitter, owner });
    return this;
  }

  use(plugin: OnnxPlugin): this {
    plugin.register(this);
    return this;
  }

  get(module: Module): OnnxEmitter | undefined {
    return this.byClass.get(module.constructor as ModuleClass)?.emitter;
  }

  /** Names of the classes with an emitter, for error messages. */
  classNames(): string[] {
    return [...this.byClass.keys()].map((c) => c.name).sort();
  }
}

/** A module (or model) that cannot be exported, with the module path and class that stopped it. */
export class OnnxExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxExportError';
  }
}
