/**
 * Opening a big chat in the real UI: the web host serves the built renderer to Debian's Chromium
 * (playwright-core), the chat holds 100,000 messages (written straight into the database, as
 * the e2e test does). Measured inside the page: from the click on the chat to the first frame
 * painted with its newest rows; then the frame times while the list scrolls up through history.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { startWebHost } from '../main/web/server.ts';
import type { WebHost } from '../main/web/server.ts';
import { launchBrowser, openPage } from '../test/e2e/browser.ts';
import type { BenchContext, EstafetteAccount } from './context.ts';
import { median, percentile, round } from './stats.ts';

const execFileAsync = promisify(execFile);

export interface UiOpenResult {
  messages: number;
  /** Click → first painted frame showing the newest message, per attempt. */
  openMs: number[];
  openMedianMs: number | null;
  /** Frame intervals while scrolling up (requestAnimationFrame timestamps). */
  scrollFrames: number;
  frameMedianMs: number | null;
  frameP95Ms: number | null;
  frameMaxMs: number | null;
  /** Share of frames slower than 60 Hz (16.7 ms), in percent. */
  slowFramesPercent: number | null;
  rowsInDom: number | null;
  rendererBuild: string;
}

/** Builds the renderer into the run's own directory (other jobs may rebuild out/renderer). */
export async function buildRenderer(ctx: BenchContext): Promise<string> {
  const outDir = join(ctx.workDir, 'renderer');
  const vite = join(process.cwd(), 'node_modules', 'vite', 'bin', 'vite.js');
  await execFileAsync(
    process.execPath,
    [
      vite,
      'build',
      '--config',
      'renderer/vite.config.ts',
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    { timeout: 300_000, maxBuffer: 16 << 20 },
  );
  if (!existsSync(join(outDir, 'index.html')))
    throw new Error('the renderer build wrote no index.html');
  return outDir;
}

export function chromiumAvailable(): boolean {
  return existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
}

/**
 * Opens the seeded chat `attempts` times (a fresh page each time, the core warm after the
 * first) and scrolls once. `chatName` is the chat list's name of the seeded chat.
 */
export async function benchUiOpen(
  ctx: BenchContext,
  account: EstafetteAccount,
  opts: {
    messages: number;
    newestText: string;
    chatName: string;
    rendererDir: string;
    attempts: number;
  },
): Promise<UiOpenResult> {
  let host: WebHost | null = null;
  let browser: Browser | null = null;
  try {
    host = await startWebHost({
      port: 0,
      dataDir: account.dataDir,
      rendererDir: opts.rendererDir,
      coreOptions: { trustedCertificates: [ctx.ms.info.caCertPem] },
    });
    browser = await launchBrowser();
    const openMs: number[] = [];
    let frames: number[] = [];
    let rowsInDom: number | null = null;
    for (let attempt = 0; attempt < opts.attempts; attempt++) {
      const { context, page } = await openPage(browser, host.url);
      try {
        openMs.push(await timeOpen(page, opts.chatName, opts.newestText));
        if (attempt === opts.attempts - 1) {
          frames = await scrollFrames(page);
          rowsInDom = await page.locator('.message-row').count();
        }
      } finally {
        await context.close();
      }
    }
    return {
      messages: opts.messages,
      openMs: openMs.map((v) => round(v) ?? Number.NaN),
      openMedianMs: round(median(openMs)),
      scrollFrames: frames.length,
      frameMedianMs: round(median(frames)),
      frameP95Ms: round(percentile(frames, 95)),
      frameMaxMs: round(frames.length ? Math.max(...frames) : Number.NaN),
      slowFramesPercent: round(
        frames.length
          ? (100 * frames.filter((f) => f > 1000 / 60 + 1).length) / frames.length
          : Number.NaN,
      ),
      rowsInDom,
      rendererBuild: opts.rendererDir,
    };
  } finally {
    await browser?.close();
    await host?.close();
  }
}

/** Click → the frame after the newest message's row is in the DOM (measured in the page). */
async function timeOpen(page: Page, chatName: string, newestText: string): Promise<number> {
  const row = page.locator('.chat-row').filter({ hasText: chatName }).first();
  await row.waitFor({ state: 'visible', timeout: 60_000 });
  // The UI settles first (chat list loaded, fonts, first paints) so only the opening counts.
  await page.waitForTimeout(500);
  await row.evaluate((el, text) => {
    const w = window as unknown as { benchOpen: Promise<number> };
    w.benchOpen = new Promise<number>((resolve) => {
      const start = performance.now();
      const shown = () =>
        [...document.querySelectorAll('.message-list .message-row')].some((r) =>
          r.textContent?.includes(text),
        );
      const painted = () =>
        // requestAnimationFrame runs before the paint; the task after it runs after the paint.
        requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - start), 0));
      const observer = new MutationObserver(() => {
        if (!shown()) return;
        observer.disconnect();
        painted();
      });
      observer.observe(document.body, { childList: true, subtree: true, characterData: true });
      (el as HTMLElement).click();
    });
  }, newestText);
  return page.evaluate(() => (window as unknown as { benchOpen: Promise<number> }).benchOpen);
}

/** Scrolls the message list up by 600 px per frame for 2 s; returns the frame intervals. */
async function scrollFrames(page: Page): Promise<number[]> {
  await page.waitForTimeout(300);
  return page.evaluate(
    () =>
      new Promise<number[]>((resolve) => {
        const scroller = document.querySelector<HTMLElement>('.message-list-scroll');
        if (!scroller) {
          resolve([]);
          return;
        }
        const frames: number[] = [];
        let last = 0;
        const end = performance.now() + 2_000;
        const step = (t: number) => {
          if (last) frames.push(t - last);
          last = t;
          scroller.scrollTop = Math.max(0, scroller.scrollTop - 600);
          if (t < end) requestAnimationFrame(step);
          else resolve(frames);
        };
        requestAnimationFrame(step);
      }),
  );
}
