import * as fs from 'fs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

/** Debian's Chromium; $VITKIT_CHROMIUM names another. Nothing here downloads a browser. */
export const CHROMIUM = process.env.VITKIT_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless Chromium with WebGL on SwiftShader (ANGLE's CPU renderer), so WebGL runs, float textures included, on
 * machines without a GPU: what CI has.
 */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set VITKIT_CHROMIUM to its path`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
}

/** A page of `browser` at `url` whose console and uncaught errors are kept, for the failure message of a test. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; log: string[] }> {
  const page = await browser.newPage();
  const log: string[] = [];
  page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`page error: ${e.message}`));
  await page.goto(url);
  return { page, log };
}
