import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { bundleForBrowser, REPO_ROOT } from './bundle';
import { launchChromium, openPage } from './chromium';
import { serveStatic } from './static-server';
import type { RunningServer, StaticSite } from './static-server';
import type { BrowserTestApi } from '../page/protocol';

const PAGE_ENTRY = path.join(__dirname, '../page/entry.ts');
const WASM_DIR = path.join(REPO_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
const HTML = '<!doctype html><meta charset="utf-8"><title>vitkit browser tests</title><link rel="icon" href="data:,"><script type="module" src="/page.js"></script>\n';

export interface TestPage {
  origin: string;
  /** Calls one of the page's entry points with JSON arguments; a failure carries the page's console. */
  call<K extends keyof BrowserTestApi>(name: K, ...args: Parameters<BrowserTestApi[K]>): ReturnType<BrowserTestApi[K]>;
  close(): Promise<void>;
}

/**
 * The test page in headless Chromium: its script bundled by esbuild from page/entry.ts (the packages' browser
 * builds), served with tfjs-backend-wasm's .wasm files and `folders`/`pages` (the data the page fetches).
 */
export async function openTestPage(data: Partial<StaticSite> = {}): Promise<TestPage> {
  const bundle = await bundleForBrowser(PAGE_ENTRY);
  if (bundle.nodeImports.length) throw new Error(`the test page reaches Node built-ins:\n${bundle.nodeImports.join('\n')}`);
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await serveStatic({ pages: { '/': HTML, '/page.js': bundle.code, ...data.pages }, folders: { '/wasm/': WASM_DIR, ...data.folders } });
    browser = await launchChromium();
    const { page, log } = await openPage(browser, `${server.origin}/`);
    await waitForApi(page, log);
    const opened = { server, browser };
    return {
      origin: server.origin,
      call: ((name: keyof BrowserTestApi, ...args: unknown[]) =>
        page
          .evaluate(([n, a]) => (globalThis as unknown as Record<string, Record<string, (...x: unknown[]) => unknown>>).vitkitBrowserTests[n](...a), [name, args] as const)
          .catch((e: Error) => {
            throw new Error(`${name} failed in the page: ${e.message}\n${log.join('\n')}`);
          })) as TestPage['call'],
      close: async () => {
        await opened.browser.close();
        await opened.server.close();
      },
    };
  } catch (e) {
    await browser?.close();
    await server?.close();
    throw e;
  }
}

async function waitForApi(page: Page, log: string[]): Promise<void> {
  try {
    await page.waitForFunction(() => 'vitkitBrowserTests' in globalThis, undefined, { timeout: 30000 });
  } catch (e) {
    throw new Error(`the test page did not start: ${(e as Error).message}\n${log.join('\n')}`);
  }
}
