import { spawnSync } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';

const BIN = path.join(__dirname, '..', 'bin', 'vitkit.js');

describe('bin/vitkit.js (the file npm links as `vitkit`)', () => {
  it('is what package.json names as the bin, and is executable', async () => {
    const pkg = JSON.parse(await fs.readFile(path.join(__dirname, '..', 'package.json'), 'utf8'));
    expect(path.resolve(__dirname, '..', pkg.bin.vitkit)).toBe(BIN);
    expect((await fs.stat(BIN)).mode & 0o111).not.toBe(0);
  });

  it('says how to build when dist is missing (exit 1), instead of a stack trace', async () => {
    const pkg = await fs.mkdtemp(path.join(os.tmpdir(), 'vitkit-bin-'));
    try {
      await fs.mkdir(path.join(pkg, 'bin'));
      await fs.copyFile(BIN, path.join(pkg, 'bin', 'vitkit.js'));
      const r = spawnSync(process.execPath, [path.join(pkg, 'bin', 'vitkit.js'), '--version'], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('@vitkit/cli is not built');
      expect(r.stderr).toContain('npm run build');
    } finally {
      await fs.rm(pkg, { recursive: true, force: true });
    }
  });

  it('runs the built CLI and exits with its code', async () => {
    const pkg = await fs.mkdtemp(path.join(os.tmpdir(), 'vitkit-bin-'));
    try {
      await fs.mkdir(path.join(pkg, 'bin'));
      await fs.mkdir(path.join(pkg, 'dist'));
      await fs.copyFile(BIN, path.join(pkg, 'bin', 'vitkit.js'));
      // A stand-in for dist/main.js: the shim's only job is to call runFromProcess.
      await fs.writeFile(path.join(pkg, 'dist', 'main.js'), 'exports.runFromProcess = () => { process.stdout.write(process.argv.slice(2).join(" ")); process.exit(3); };');
      const r = spawnSync(process.execPath, [path.join(pkg, 'bin', 'vitkit.js'), 'info', 'x'], { encoding: 'utf8' });
      expect(r.stdout).toBe('info x');
      expect(r.status).toBe(3);
    } finally {
      await fs.rm(pkg, { recursive: true, force: true });
    }
  });
});
