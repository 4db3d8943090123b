/// <reference types="jest" />
import { runCli } from '../main';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `vitkit <argv>` in-process and captures what it writes (console.log included). */
export async function runVitkit(argv: string[], options: { stdoutFails?: boolean } = {}): Promise<CliRun> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    if (options.stdoutFails) throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    out += String(s);
    return true;
  });
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const l = jest.spyOn(console, 'log').mockImplementation((s: unknown) => void (out += `${String(s)}\n`));
  try {
    return { code: await runCli(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    l.mockRestore();
  }
}
