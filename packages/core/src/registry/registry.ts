import { container as rootContainer, DependencyContainer, InjectionToken } from 'tsyringe';
import { SpecError, describeValue } from '../spec/errors';
import { validate } from '../spec/schema';
import type { BuildContext, ComponentDefinition, ComponentKind, ComponentSpec, PresetDefinition, RegistryLike } from './types';
import { missingComponentHint } from './first-party-hints';

/** Injection token under which a build's context is registered in its child container. */
export const BUILD_CONTEXT: InjectionToken<BuildContext> = 'vitkit:build-context';

function token(kind: string, name: string): string {
  return `vitkit:${kind}:${name}`;
}

/** Converts a glob with `*` and `?` to an anchored RegExp. */
export function globToRegExp(pattern: string): RegExp {
  const esc = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${esc}$`);
}

/**
 * Named factories of every kind, held in a tsyringe container. Plugins add to it through `register`;
 * each model build resolves from its own child container, so per-build state never leaks between builds.
 */
export class Registry implements RegistryLike {
  private readonly defs = new Map<string, ComponentDefinition<unknown, unknown>>();
  private readonly presets = new Map<string, PresetDefinition>();
  private readonly aliases = new Map<string, string>();
  private readonly plugins = new Set<string>();

  constructor(readonly container: DependencyContainer = rootContainer.createChildContainer()) {}

  register<O, T>(def: ComponentDefinition<O, T>): void {
    const key = token(def.kind, def.name);
    const prev = this.defs.get(key);
    if (prev) {
      throw new Error(`${def.kind} "${def.name}" is registered twice: by ${prev.owner} and by ${def.owner}`);
    }
    this.defs.set(key, def as ComponentDefinition<unknown, unknown>);
    this.container.register(key, { useValue: def });
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
    return this.defs.has(token(kind, name));
  }

  get(kind: ComponentKind, name: string): ComponentDefinition<unknown, unknown> {
    const def = this.defs.get(token(kind, name));
    if (!def) throw new Error(`${kind} "${name}" is not registered; registered: ${this.names(kind).join(', ') || '(none)'}${missingComponentHint(kind, name)}`);
    return this.container.resolve<ComponentDefinition<unknown, unknown>>(token(kind, name));
  }

  names(kind: ComponentKind): string[] {
    return [...this.defs.values()].filter((d) => d.kind === kind).map((d) => d.name).sort();
  }

  kinds(): string[] {
    return [...new Set([...this.defs.values()].map((d) => d.kind))].sort();
  }

  components(kind?: ComponentKind): Array<ComponentDefinition<unknown, unknown>> {
    return [...this.defs.values()].filter((d) => kind === undefined || d.kind === kind);
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

  /** Builds a component from its spec in a fresh child container. */
  build<T>(kind: ComponentKind, spec: ComponentSpec, path = kind, inherited: Record<string, unknown> = {}): T {
    const child = this.container.createChildContainer();
    return this.buildIn<T>(child, kind, spec, path, inherited);
  }

  private buildIn<T>(scope: DependencyContainer, kind: ComponentKind, spec: ComponentSpec, path: string, inherited: Record<string, unknown>): T {
    const obj = typeof spec === 'string' ? { type: spec } : spec;
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      throw new SpecError([{ path, message: `${describeValue(spec)} is not a ${kind} spec; expected a name or an object with "type"` }]);
    }
    const { type, ...rest } = obj as { type?: unknown } & Record<string, unknown>;
    if (typeof type !== 'string' || !this.has(kind, type)) {
      const registered = this.names(kind).join(', ') || '(none)';
      throw new SpecError([{ path: `${path}.type`, message: `${describeValue(type)} is not registered as a ${kind}; registered: ${registered}${missingComponentHint(kind, type)}` }]);
    }
    const def = this.get(kind, type);
    // Inherited options are hints from the parent: pass only those this component declares.
    const accepted = def.options.keys;
    const hints = Object.fromEntries(Object.entries(inherited).filter(([k]) => !accepted || accepted.includes(k)));
    const options = validate(def.options, { ...hints, ...rest }, path);
    const ctx: BuildContext = {
      path,
      // Each sub-component gets its own child scope, so its context never shadows its parent's.
      build: <U>(k: ComponentKind, s: ComponentSpec, p: string, inh?: Record<string, unknown>) => this.buildIn<U>(scope.createChildContainer(), k, s, p, inh ?? {}),
    };
    scope.register(BUILD_CONTEXT, { useValue: ctx });
    return def.create(options, ctx) as T;
  }
}
