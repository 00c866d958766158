/** Debian's Chromium driven by playwright-core (TESTBED.md): launch, pages, screenshots, axe. */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const SCREENSHOT_DIR = join(import.meta.dirname, 'screenshots');

/** The built renderer's index.html (out/renderer, or ESTAFETTE_RENDERER_DIR as the host reads it). */
export const RENDERER_INDEX = join(
  process.env.ESTAFETTE_RENDERER_DIR ?? join(import.meta.dirname, '../../out/renderer'),
  'index.html',
);

/** The browser for an e2e story: refuses to start before the renderer the web host serves is built. */
export function launchAppBrowser(): Promise<Browser> {
  if (!existsSync(RENDERER_INDEX)) {
    throw new Error('Build the renderer first: npm run build:renderer');
  }
  return launchBrowser();
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface PageOptions {
  locale?: 'en-US' | 'fr-FR' | 'de-DE';
  colorScheme?: 'light' | 'dark';
  /** Freeze the page's clock at this time (screenshots with stable "today"). */
  fixedTime?: number;
  width?: number;
  height?: number;
}

/** A fresh context (own cookies and storage) with one page opened at `url`. */
export async function openPage(
  browser: Browser,
  url: string,
  options: PageOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    locale: options.locale ?? 'en-US',
    timezoneId: 'Europe/Paris',
    colorScheme: options.colorScheme ?? 'light',
    viewport: { width: options.width ?? 1200, height: options.height ?? 780 },
    deviceScaleFactor: 1,
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  if (options.fixedTime !== undefined) await page.clock.setFixedTime(options.fixedTime);
  await page.goto(url);
  return { context, page };
}

/** Saves `screenshots/<name>.png` (a deterministic name: screen-language-theme). */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  // Caret blinking and hover states must not differ between runs.
  await page.mouse.move(0, 0);
  await page.screenshot({ path, caret: 'hide', animations: 'disabled' });
  return path;
}

const require = createRequire(import.meta.url);
const axeSource = readFileSync(join(dirname(require.resolve('axe-core')), 'axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Runs axe-core in the page; returns the serious and critical violations. */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol: the page's CSP (script-src 'self') stays intact.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (o: object) => Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    const result = await axe.run({ resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
