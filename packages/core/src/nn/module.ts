import { tf } from '../tf';
import { Parameter, ParameterOptions } from './parameter';
import { checkBackendChosen } from '../backend/implicit-backend';

export interface ParameterCount {
  total: number;
  trainable: number;
}

/**
 * Base of the module system: a module owns named parameters, buffers and child modules, and a train/eval mode.
 * Names compose with dots exactly like PyTorch's `named_parameters()`, so state dicts carry the reference names.
 * Built on tfjs-core variables (nested `tf.layers` lose their weights).
 */
export abstract class Module {
  private readonly params = new Map<string, Parameter>();
  private readonly buffers = new Map<string, tf.Variable>();
  private readonly children = new Map<string, Module>();
  private isTraining = true;

  constructor() {
    // Before a subclass creates its first tensor: the first model built with no backend selected says so once.
    checkBackendChosen();
  }

  get training(): boolean {
    return this.isTraining;
  }

  /** Creates a parameter owned by this module under `name`; `value` is kept (not cloned). */
  protected addParameter(name: string, value: tf.Tensor, options?: ParameterOptions): Parameter {
    this.assertFreeName(name);
    const p = new Parameter(value, options);
    value.dispose();
    this.params.set(name, p);
    return p;
  }

  /** Non-parameter state that is saved (BatchNorm running statistics); not counted as a parameter. */
  protected addBuffer(name: string, value: tf.Tensor): tf.Variable {
    this.assertFreeName(name);
    const v = tf.variable(value, false);
    value.dispose();
    this.buffers.set(name, v);
    return v;
  }

  protected addModule<M extends Module>(name: string, module: M): M {
    this.assertFreeName(name);
    this.children.set(name, module);
    return module;
  }

  /** Swaps an existing child for another (head reset for fine-tuning); the old child's variables are disposed. */
  protected replaceModule<M extends Module>(name: string, module: M): M {
    const old = this.children.get(name);
    if (!old) throw new Error(`${this.constructor.name}: no child module "${name}" to replace`);
    old.dispose();
    this.children.set(name, module);
    return module;
  }

  private assertFreeName(name: string): void {
    if (name === '' || name.includes('.')) {
      throw new Error(`${this.constructor.name}: member name "${name}" must be non-empty and contain no dot`);
    }
    if (this.params.has(name) || this.buffers.has(name) || this.children.has(name)) {
      throw new Error(`${this.constructor.name}: member "${name}" is already defined`);
    }
  }

  namedChildren(): Array<[string, Module]> {
    return [...this.children.entries()];
  }

  /** Every parameter of this module and its descendants, with dotted reference names, in definition order. */
  namedParameters(prefix = ''): Array<[string, Parameter]> {
    const out: Array<[string, Parameter]> = [];
    for (const [n, p] of this.params) out.push([prefix + n, p]);
    for (const [n, c] of this.children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  namedBuffers(prefix = ''): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = [];
    for (const [n, b] of this.buffers) out.push([prefix + n, b]);
    for (const [n, c] of this.children) out.push(...c.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  namedModules(prefix = ''): Array<[string, Module]> {
    const out: Array<[string, Module]> = [[prefix.replace(/\.$/, ''), this]];
    for (const [n, c] of this.children) out.push(...c.namedModules(`${prefix}${n}.`));
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  trainableVariables(): tf.Variable[] {
    return this.parameters()
      .filter((p) => p.trainable)
      .map((p) => p.variable);
  }

  /** Counts like PyTorch: every parameter (frozen ones included) in `total`, buffers excluded. */
  countParameters(): ParameterCount {
    let total = 0;
    let trainable = 0;
    for (const p of this.parameters()) {
      total += p.size;
      if (p.trainable) trainable += p.size;
    }
    return { total, trainable };
  }

  train(mode = true): this {
    this.isTraining = mode;
    for (const c of this.children.values()) c.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Disposes every variable of the module tree. */
  dispose(): void {
    for (const p of this.params.values()) p.dispose();
    for (const b of this.buffers.values()) b.dispose();
    for (const c of this.children.values()) c.dispose();
  }
}

/** A module with an ordered list of children named `0`, `1`, ... (PyTorch `nn.ModuleList`). */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: M[] = [];

  constructor(items: M[] = []) {
    super();
    for (const m of items) this.push(m);
  }

  push(m: M): M {
    this.addModule(String(this.items.length), m);
    this.items.push(m);
    return m;
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): M {
    const m = this.items[i];
    if (!m) throw new RangeError(`ModuleList index ${i} out of range (length ${this.items.length})`);
    return m;
  }
}
