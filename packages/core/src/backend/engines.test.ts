// One engine entry: how selectBackend tells "not installed" (skipped by automatic selection) from "installed but
// failed" (said), and that a package's registration function runs before its backend is activated.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf } from '../tf';
import { packageEngine } from './engines';

describe('packageEngine', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitkit-engine-'));
  const broken = path.join(dir, 'broken.js');
  const provider = path.join(dir, 'provider.js');
  fs.writeFileSync(broken, "throw new Error('libfoo.so: cannot open shared object file');\n");
  fs.writeFileSync(provider, 'exports.registered = 0; exports.register = () => { exports.registered++; };\n');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reports a package that is not installed', async () => {
    expect(await packageEngine('x', 'no-such-vitkit-engine', 'x').start({ threads: 1 })).toEqual({ reason: 'not-installed' });
  });

  it('reports a package that is installed but fails to load, with its error', async () => {
    const r = await packageEngine('x', broken, 'x').start({ threads: 1 });
    expect(r).toMatchObject({ reason: 'failed' });
    expect((r as { error: Error }).error.message).toContain('libfoo.so');
  });

  it('runs the registration function, then activates the backend it registered', async () => {
    const engine = packageEngine('test-cpu', provider, 'cpu', (m) => (m as { register(): void }).register());
    expect(await engine.start({ threads: 1 })).toEqual({ backend: 'cpu', provider });
    expect((require(provider) as { registered: number }).registered).toBe(1);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('reports a registration function that throws', async () => {
    const r = await packageEngine('x', provider, 'cpu', () => {
      throw new Error('no such CPU feature');
    }).start({ threads: 1 });
    expect(r).toMatchObject({ reason: 'failed', error: new Error('no such CPU feature') });
  });
});
