import { commonOptions, defineCommand } from '../command';
import { EXIT } from '../exit-codes';
import { createRunRegistry } from '../run-setup';

export const listCommand = defineCommand({
  summary: 'list registered components and presets',
  usage: '[pattern] [options]',
  details: 'Shows what core, the installed first-party plugins and --plugins register, e.g.\n  vitkit list --plugins ./my-plugin.js,vitkit-plugin-cpvt \'cpvt_*\'',
  positionals: { name: '[pattern]', help: 'glob over preset names, e.g. "crossvit_*" (default: all)' },
  options: {
    kind: { type: 'string', value: '<kind>', help: 'only components of this kind (tokenizer, backbone, fusion, head, ...)' },
    plugins: commonOptions.plugins,
    json: commonOptions.json,
  },
  async run({ values, positionals }) {
    const registry = createRunRegistry({ flag: values.plugins });
    const kinds = values.kind ? [values.kind] : registry.kinds();
    const components = Object.fromEntries(
      kinds.map((k) => [k, registry.components(k).map((d) => ({ name: d.name, owner: d.owner, description: d.description }))]),
    );
    const presets = registry.listModels(positionals[0] ?? '*').map((n) => {
      const p = registry.preset(n)!;
      return { name: n, type: p.spec.type, owner: p.owner, aliases: p.aliases ?? [], description: p.description, ...(p.pretrained ? { pretrained: p.pretrained } : {}) };
    });
    if (values.json) {
      process.stdout.write(JSON.stringify({ plugins: registry.loadedPlugins(), components, presets }, null, 2) + '\n');
      return EXIT.ok;
    }
    const lines = [`plugins: ${registry.loadedPlugins().join(', ')}`];
    for (const [kind, defs] of Object.entries(components)) {
      lines.push('', `${kind}:`, ...defs.map((d) => `  ${d.name.padEnd(22)} ${d.description}  [${d.owner}]`));
    }
    lines.push('', `presets (${presets.length}):`);
    for (const p of presets) lines.push(`  ${p.name.padEnd(26)} ${String(p.type).padEnd(12)} ${p.description}${p.aliases.length ? ` (alias ${p.aliases.join(', ')})` : ''}`);
    process.stdout.write(lines.join('\n') + '\n');
    return EXIT.ok;
  },
});
