import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SpecError } from './errors';
import { loadRunSpec } from './run-spec';

let dir: string;
beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'vitkit-runspec-'));
  await fsp.mkdir(path.join(dir, 'specs'));
  await fsp.writeFile(path.join(dir, 'specs/run.json'), JSON.stringify({ plugins: ['./my-plugin.js'], model: { preset: 't2t_vit_7', numClasses: 10 }, data: { batchSize: 8 } }));
  await fsp.writeFile(path.join(dir, 'specs/model-only.json'), JSON.stringify({ type: 't2t_vit', depth: 7 }));
  await fsp.writeFile(path.join(dir, 'specs/bad.json'), '{"model": ');
  await fsp.writeFile(path.join(dir, 'specs/array.json'), '[1, 2]');
  await fsp.writeFile(path.join(dir, 'specs/bad-plugins.json'), JSON.stringify({ plugins: 'not-a-list', model: 'x' }));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('loadRunSpec', () => {
  it('accepts a preset name', async () => {
    expect(await loadRunSpec('t2t_vit_14', dir)).toEqual({ spec: { model: 't2t_vit_14' }, baseDir: dir, source: 'preset:t2t_vit_14' });
  });

  it('reads a spec file; relative plugin paths resolve against the file folder', async () => {
    const loaded = await loadRunSpec('specs/run.json', dir);
    expect(loaded.spec).toEqual({ plugins: ['./my-plugin.js'], model: { preset: 't2t_vit_7', numClasses: 10 }, data: { batchSize: 8 } });
    expect(loaded.baseDir).toBe(path.join(dir, 'specs'));
    expect(loaded.source).toBe(path.join(dir, 'specs/run.json'));
  });

  it('accepts a file or an object that holds only a model spec', async () => {
    expect((await loadRunSpec('specs/model-only.json', dir)).spec).toEqual({ model: { type: 't2t_vit', depth: 7 } });
    expect((await loadRunSpec({ type: 'x', depth: 1 }, dir)).spec).toEqual({ model: { type: 'x', depth: 1 } });
    expect((await loadRunSpec({ model: 'p' }, dir)).source).toBe('<object>');
  });

  it('errors name the file: missing, invalid JSON, not an object, bad plugins list', async () => {
    const file = (f: string) => path.join(dir, 'specs', f);
    await expect(loadRunSpec('specs/none.json', dir)).rejects.toThrow(`${file('none.json')}: cannot read spec file (ENOENT)`);
    await expect(loadRunSpec('specs/bad.json', dir)).rejects.toThrow(new RegExp(`^${file('bad.json').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: is not valid JSON`));
    await expect(loadRunSpec('specs/array.json', dir)).rejects.toThrow(`${file('array.json')}: must hold a JSON object`);
    await expect(loadRunSpec('specs/bad-plugins.json', dir)).rejects.toThrow(SpecError);
    await expect(loadRunSpec('specs/bad-plugins.json', dir)).rejects.toThrow('plugins: must be an array of package names or paths');
  });
});
