import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import type { AddressInfo } from 'net';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

export interface StaticSite {
  /** Exact paths served from memory (`/page.js` → the bundle). */
  pages: Record<string, string | Uint8Array>;
  /** Path prefixes served from a folder (`/fixtures/` → ../shared/fixtures); nothing outside the folder is reachable. */
  folders: Record<string, string>;
}

export interface RunningServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

function contentType(urlPath: string): string {
  return CONTENT_TYPES[urlPath.endsWith('/') ? '.html' : path.extname(urlPath)] ?? 'application/octet-stream';
}

/** The file a folder route maps `urlPath` to, or undefined when none does (or the path climbs out of the folder). */
function folderFile(site: StaticSite, urlPath: string): string | undefined {
  for (const [prefix, dir] of Object.entries(site.folders)) {
    if (!urlPath.startsWith(prefix)) continue;
    const file = path.resolve(dir, decodeURIComponent(urlPath.slice(prefix.length)));
    if (file.startsWith(path.resolve(dir) + path.sep) && fs.existsSync(file) && fs.statSync(file).isFile()) return file;
  }
  return undefined;
}

/** Serves `site` on a free port of 127.0.0.1: the test page, its bundle and the data it fetches. */
export async function serveStatic(site: StaticSite): Promise<RunningServer> {
  const server = http.createServer((req, res) => {
    const urlPath = new URL(req.url ?? '/', 'http://localhost').pathname;
    const page = site.pages[urlPath];
    const file = page === undefined ? folderFile(site, urlPath) : undefined;
    if (page === undefined && file === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${urlPath}`);
      return;
    }
    res.writeHead(200, { 'content-type': contentType(urlPath) });
    if (page !== undefined) res.end(page);
    else fs.createReadStream(file!).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
