import { readFileSync } from 'fs';
import * as path from 'path';

/** The version of @vitkit/cli (its package.json sits one folder above both src/ and dist/). */
export function cliVersion(): string {
  return (JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}
