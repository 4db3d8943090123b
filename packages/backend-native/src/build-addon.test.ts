import { spawnSync } from 'child_process';
import * as path from 'path';

const SCRIPT = path.join(__dirname, '..', 'scripts', 'build-addon.js');

describe('scripts/build-addon.js (run by the workspace build and on install)', () => {
  it('without a compiler or OpenBLAS it exits 0 and says in one line how to get the native engine', () => {
    // --force: ignore an existing build; an empty PATH: no sh, cc, make or node-gyp to be found
    const r = spawnSync(process.execPath, [SCRIPT, '--force'], { env: { PATH: '/nonexistent' }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^vitkit: native engine not built \(.+\); vitkit will run on wasm\. To get it: apt-get install -y g\+\+ make libopenblas-dev/);
  });

  it('VITKIT_SKIP_NATIVE_BUILD skips the build with the same one line', () => {
    const r = spawnSync(process.execPath, [SCRIPT, '--force'], { env: { ...process.env, VITKIT_SKIP_NATIVE_BUILD: '1' }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('VITKIT_SKIP_NATIVE_BUILD is set');
  });
});
