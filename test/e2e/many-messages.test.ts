/**
 * A chat of 100,000 messages (seeded straight into the account's database) opens at once at
 * its newest message, scrolls to its first message and back, and the DOM never holds more than
 * a few hundred message rows: the list is virtualized and pages are fetched as they come near
 * the view. Scrolling up through history moves the rows on screen by exactly the scrolled
 * distance: older rows appearing (and being measured) never push them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHost } from '../../main/web/server.ts';
import type { WebHost } from '../../main/web/server.ts';
import { mailServer } from '../mailserver/index.ts';
import { launchAppBrowser, openPage, screenshot } from './browser.ts';
import { seedMessages } from './seed.ts';
import { chatRow, scrollThroughHistory, visible } from './ui-steps.ts';

const COUNT = 100_000;
const MAX_ROWS = 300;

/**
 * Wheels up `steps` times by `step` px; after each, how far a row that was in the middle of
 * the view moved, minus `step` (0 when nothing jumped).
 */
async function wheelUp(page: Page, steps: number, step: number): Promise<number[]> {
  const scroller = page.locator('.message-list-scroll');
  await scroller.hover();
  const errors: number[] = [];
  for (let i = 0; i < steps; i++) {
    const before = await scroller.evaluate((s) => {
      const box = s.getBoundingClientRect();
      const row = [...s.querySelectorAll<HTMLElement>('[data-message-id]')].find((r) => {
        const b = r.getBoundingClientRect();
        return b.top > box.top + 150 && b.bottom < box.bottom - 150;
      });
      return row ? { id: row.dataset.messageId ?? '', top: row.getBoundingClientRect().top } : null;
    });
    if (!before) throw new Error('no row in the middle of the view');
    await page.mouse.wheel(0, -step);
    const top = await scroller.evaluate(
      (s, id) =>
        // Two frames: the scroll lands, rows render and are measured, corrections apply.
        new Promise<number | null>((resolve) =>
          requestAnimationFrame(() =>
            requestAnimationFrame(() => {
              const row = s.querySelector<HTMLElement>(`[data-message-id="${id}"]`);
              resolve(row ? row.getBoundingClientRect().top : null);
            }),
          ),
        ),
      before.id,
    );
    if (top === null) throw new Error(`row ${before.id} left the DOM after one step`);
    errors.push(Math.round(top - before.top - step));
  }
  return errors;
}

describe('a chat with 100,000 messages', () => {
  let host: WebHost;
  let browser: Browser;
  let dataDir: string;
  let last: string;

  beforeAll(async () => {
    const server = mailServer();
    const [user, peer] = await Promise.all([server.addUser(), server.addUser()]);
    dataDir = await mkdtemp(join(tmpdir(), 'estafette-e2e-many-'));
    host = await startWebHost({
      port: 0,
      dataDir,
      coreOptions: { trustedCertificates: [server.info.caCertPem] },
    });
    const endpoint = (port: number) => ({
      host: server.info.host,
      port,
      security: 'tls' as const,
      user: user.address,
    });
    const account = await host.core.call('addAccountManual', {
      addr: user.address,
      password: user.password,
      settings: {
        imap: endpoint(server.info.ports.imaps),
        smtp: endpoint(server.info.ports.smtps),
        acceptInvalidCertificates: false,
      },
    });
    const chat = await host.core.call('createChatByAddress', {
      accountId: account.id,
      addr: peer.address,
      name: 'Dave',
    });
    const started = Date.now();
    last = seedMessages(dataDir, account.id, chat.id, COUNT);
    console.log(`seeded ${COUNT} messages in ${Date.now() - started} ms`);
    browser = await launchAppBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('opens, scrolls to the top and back, and keeps only a few hundred rows in the DOM', async () => {
    const { page } = await openPage(browser, host.url);
    const started = Date.now();
    await chatRow(page, /Dave/).click();
    await visible(page.locator('.message-list').getByText(last, { exact: true }));
    const openedMs = Date.now() - started;
    expect(await page.locator('.message-row').count()).toBeLessThan(MAX_ROWS);
    expect(
      await page.locator('.message-list').evaluate((el) => el.getBoundingClientRect().height),
      'the list is as tall as the whole history',
    ).toBeGreaterThan(COUNT * 30);

    // Rows already in view keep their place while older ones appear above them.
    const errors = await wheelUp(page, 40, 300);
    expect(
      errors.filter((e) => Math.abs(e) > 1),
      `moved by ${errors.join(', ')}`,
    ).toEqual([]);
    await expect
      .poll(() => page.locator('.message-skeleton').count(), {
        message: 'older pages arrive while scrolling',
      })
      .toBe(0);
    await screenshot(page, 'many-messages-history-en-light');

    const { maxRows } = await scrollThroughHistory(
      page,
      'Seeded message 1. A longer one, so that rows differ in height and the list measures them as they appear.',
      last,
    );
    await screenshot(page, 'many-messages-en-light');
    console.log(`opened in ${openedMs} ms; at most ${maxRows} message rows in the DOM`);
    expect(maxRows).toBeLessThanOrEqual(MAX_ROWS);
  });
});
