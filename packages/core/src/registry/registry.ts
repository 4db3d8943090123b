import { container as rootContainer, DependencyContainer, InjectionToken } from 'tsyringe';
import { SpecError, describeValue } from '../spec/errors';
import { validate } from '../spec/schema';
import type { KindContract, KnownKind, ComponentKinds } from './kinds';
import type { BuildContext, ComponentDefinition, ComponentKind, ComponentSpec, PresetDefinition, RegistryLike } from './types';

/**
 * The context of the component being built, registered in its build's child container: a class resolved with
 * `ctx.resolve(MyPart)` can take it by `@inject(BUILD_CONTEXT)` (its spec path, and the means to build its own parts).
 */
export const BUILD_CONTEXT: InjectionToken<BuildContext> = 'vitkit:build-context';

function token(kind: string, name: string): string {
  return `vitkit:${kind}:${name}`;
}

function contractToken(kind: string): string {
  return `vitkit:contract:${kind}`;
}

/** Converts a glob with `*` and `?` to an anchored RegExp. */
export function globToRegExp(pattern: string): RegExp {
  const esc = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${esc}$`);
}

/** A built component does not meet its kind's contract: a bug in the plugin that registered it, not in the spec. */
export class ContractError extends Error {
  constructor(
    readonly path: string,
    readonly kind: string,
    readonly component: string,
    readonly owner: string,
    readonly missing: string[],
    describes: string,
  ) {
    super(`${path}: ${kind} "${component}" (registered by ${owner}) built something that is not ${describes}; missing: ${missing.join(', ')}`);
    this.name = 'ContractError';
  }
}

/**
 * Named factories of every kind, held in a tsyringe container (the one store: definitions and kind contracts are
 * registered there under `vitkit:<kind>:<name>` / `vitkit:contract:<kind>`). Plugins add to it through `register`;
 * each build resolves from its own child container, so per-build state never leaks between builds.
 */
export class Registry implements RegistryLike {
  /**
   * Registration order of the definitions' tokens. tsyringe cannot enumerate a container, and `list`/`names`
   * must; this holds keys only, the definitions themselves live in the container.
   */
  private readonly tokens: Array<{ kind: string; name: string }> = [];
  private readonly presets = new Map<string, PresetDefinition>();
  private readonly aliases = new Map<string, string>();
  private readonly plugins = new Set<string>();

  constructor(readonly container: DependencyContainer = rootContainer.createChildContainer()) {}

  register<O, T>(def: ComponentDefinition<O, T>): void {
    const key = token(def.kind, def.name);
    if (this.container.isRegistered(key)) {
      throw new Error(`${def.kind} "${def.name}" is registered twice: by ${this.get(def.kind, def.name).owner} and by ${def.owner}`);
    }
    this.container.register(key, { useValue: def });
    this.tokens.push({ kind: def.kind, name: def.name });
  }

  /**
   * Declares the contract every component of `kind` must meet; the registry checks it once on each build.
   * Kinds without a declared contract are built unchecked (a plugin's own kind, or a bare `new Registry()`).
   */
  defineKind(contract: KindContract): void {
    const key = contractToken(contract.kind);
    if (this.container.isRegistered(key)) throw new Error(`kind "${contract.kind}" already has a contract`);
    this.container.register(key, { useValue: contract });
  }

  /** The contract declared for `kind`, if any. */
  contract(kind: ComponentKind): KindContract | undefined {
    const key = contractToken(kind);
    return this.container.isRegistered(key) ? this.container.resolve<KindContract>(key) : undefined;
  }

  registerPreset(def: PresetDefinition): void {
    for (const n of [def.name, ...(def.aliases ?? [])]) {
      const prev = this.presets.get(n) ?? this.presets.get(this.aliases.get(n) ?? '');
      if (prev) throw new Error(`preset "${n}" is registered twice: by ${prev.owner} and by ${def.owner}`);
    }
    this.presets.set(def.name, def);
    for (const a of def.aliases ?? []) this.aliases.set(a, def.name);
  }

  /** Records that a plugin's `register` ran, so loading the same plugin twice is a no-op. */
  markPluginLoaded(name: string): boolean {
    if (this.plugins.has(name)) return false;
    this.plugins.add(name);
    return true;
  }

  loadedPlugins(): string[] {
    return [...this.plugins];
  }

  has(kind: ComponentKind, name: string): boolean {
    return this.container.isRegistered(token(kind, name));
  }

  get(kind: ComponentKind, name: string): ComponentDefinition<unknown, unknown> {
    if (!this.has(kind, name)) throw new Error(`${kind} "${name}" is not registered; registered: ${this.names(kind).join(', ') || '(none)'}`);
    return this.container.resolve<ComponentDefinition<unknown, unknown>>(token(kind, name));
  }

  names(kind: ComponentKind): string[] {
    return this.tokens.filter((t) => t.kind === kind).map((t) => t.name).sort();
  }

  kinds(): string[] {
    return [...new Set(this.tokens.map((t) => t.kind))].sort();
  }

  components(kind?: ComponentKind): Array<ComponentDefinition<unknown, unknown>> {
    return this.tokens.filter((t) => kind === undefined || t.kind === kind).map((t) => this.get(t.kind, t.name));
  }

  preset(name: string): PresetDefinition | undefined {
    return this.presets.get(name) ?? this.presets.get(this.aliases.get(name) ?? '');
  }

  /** Preset names matching a glob (`crossvit_*`), naturally sorted, like timm's `list_models`. */
  listModels(pattern = '*'): string[] {
    const re = globToRegExp(pattern);
    // Natural order, like timm: t2t_vit_7 before t2t_vit_10.
    return [...this.presets.keys()].filter((n) => re.test(n)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  }

  presetDefinitions(): PresetDefinition[] {
    return [...this.presets.values()];
  }

  /**
   * Builds a component from its spec in a fresh child container and checks it against its kind's contract.
   * For a known kind the result is typed: `build('fusion', spec)` is a `Fusion`.
   */
  build<K extends KnownKind>(kind: K, spec: ComponentSpec, path?: string, inherited?: Record<string, unknown>): ComponentKinds[K];
  build<T>(kind: ComponentKind, spec: ComponentSpec, path?: string, inherited?: Record<string, unknown>): T;
  build(kind: ComponentKind, spec: ComponentSpec, path: string = kind, inherited: Record<string, unknown> = {}): unknown {
    return this.buildIn(this.container.createChildContainer(), kind, spec, path, inherited);
  }

  private buildIn(scope: DependencyContainer, kind: ComponentKind, spec: ComponentSpec, path: string, inherited: Record<string, unknown>): unknown {
    const obj = typeof spec === 'string' ? { type: spec } : spec;
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      throw new SpecError([{ path, message: `${describeValue(spec)} is not a ${kind} spec; expected a name or an object with "type"` }]);
    }
    const { type, ...rest } = obj as { type?: unknown } & Record<string, unknown>;
    if (typeof type !== 'string' || !this.has(kind, type)) {
      const registered = this.names(kind).join(', ') || '(none)';
      throw new SpecError([{ path: `${path}.type`, message: `${describeValue(type)} is not registered as a ${kind}; registered: ${registered}` }]);
    }
    const def = this.get(kind, type);
    // Inherited options are hints from the parent: pass only those this component declares.
    const accepted = def.options.keys;
    const hints = Object.fromEntries(Object.entries(inherited).filter(([k]) => !accepted || accepted.includes(k)));
    const options = validate(def.options, { ...hints, ...rest }, path, { registry: this });
    const ctx: BuildContext = {
      path,
      // Each sub-component gets its own child scope, so its context never shadows its parent's.
      build: (k: ComponentKind, s: ComponentSpec, p: string, inh?: Record<string, unknown>) => this.buildIn(scope.createChildContainer(), k, s, p, inh ?? {}),
      resolve: <U>(t: InjectionToken<U>) => scope.resolve<U>(t),
    } as BuildContext;
    scope.register(BUILD_CONTEXT, { useValue: ctx });
    return this.checkContract(def, path, def.create(options, scope.resolve(BUILD_CONTEXT)));
  }

  private checkContract(def: ComponentDefinition<unknown, unknown>, path: string, built: unknown): unknown {
    const contract = this.contract(def.kind);
    if (!contract) return built;
    const check = (value: unknown): unknown => {
      const missing = contract.check(value);
      if (!missing.length) return value;
      (value as { dispose?: () => void } | null)?.dispose?.();
      throw new ContractError(path, def.kind, def.name, def.owner, missing, contract.describes);
    };
    if (!contract.async) return check(built);
    if (typeof (built as PromiseLike<unknown> | null)?.then !== 'function') {
      throw new ContractError(path, def.kind, def.name, def.owner, ['a promise'], contract.describes);
    }
    return (built as Promise<unknown>).then(check);
  }
}
