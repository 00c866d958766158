/**
 * What a person does in the UI, as steps the e2e stories share (English UI), and the set-up
 * they share: a person is a mail user with their own web host (own core, own data directory)
 * and a page in the browser.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { CoreOptions } from '../../main/core/core.ts';
import { startWebHost } from '../../main/web/server.ts';
import type { WebHost } from '../../main/web/server.ts';
import type { MailServer, MailServerInfo, TestUser } from '../mailserver/index.ts';
import { openPage, screenshot, seriousAxeViolations } from './browser.ts';
import type { AxeViolation, PageOptions } from './browser.ts';

/** Someone in a story: their mail user, their own web host and core, their page. */
export interface Person {
  user: TestUser;
  host: WebHost;
  page: Page;
  dataDir: string;
}

/** A new mail user with a web host of their own (a fresh data directory) and a page on it. */
export async function startPerson(
  server: MailServer,
  browser: Browser,
  name: string,
  coreOptions: Partial<CoreOptions> = {},
): Promise<Person> {
  const user = await server.addUser(name);
  const dataDir = await mkdtemp(join(tmpdir(), `estafette-e2e-${name}-`));
  const host = await startWebHost({
    port: 0,
    dataDir,
    coreOptions: { trustedCertificates: [server.info.caCertPem], ...coreOptions },
  });
  const { page } = await openPage(browser, host.url);
  return { user, host, page, dataDir };
}

/** Closes the hosts and removes the data directories (the browser is closed by the caller). */
export async function stopPeople(people: readonly (Person | undefined)[]): Promise<void> {
  for (const person of people) {
    if (!person) continue;
    await person.host.close();
    await rm(person.dataDir, { recursive: true, force: true });
  }
}

/** The languages and themes every screen is looked at in. */
export const SCREEN_VARIANTS: readonly { tag: string; options: PageOptions }[] = [
  { tag: 'en-light', options: { locale: 'en-US', colorScheme: 'light' } },
  { tag: 'en-dark', options: { locale: 'en-US', colorScheme: 'dark' } },
  { tag: 'fr-light', options: { locale: 'fr-FR', colorScheme: 'light' } },
  { tag: 'fr-dark', options: { locale: 'fr-FR', colorScheme: 'dark' } },
];

/**
 * The same screen of a host in each language and theme, each in a fresh browser context:
 * `screenshots/<name>-<tag>.png`.
 */
export async function screenshotVariants(
  browser: Browser,
  host: WebHost,
  name: string,
  prepare: (page: Page) => Promise<void>,
  variants = SCREEN_VARIANTS,
): Promise<void> {
  for (const variant of variants) {
    const { context, page } = await openPage(browser, host.url, variant.options);
    await prepare(page);
    await screenshot(page, `${name}-${variant.tag}`);
    await context.close();
  }
}

/** axe-core results per screen, asserted once at the end of a story. */
export class AccessibilityLog {
  readonly results: { screen: string; found: AxeViolation[] }[] = [];

  async check(page: Page, screen: string): Promise<void> {
    this.results.push({ screen, found: await seriousAxeViolations(page) });
  }

  /** The screens with a serious or critical violation (expected: none). */
  failing(): { screen: string; found: AxeViolation[] }[] {
    return this.results.filter((r) => r.found.length > 0);
  }

  screens(): string[] {
    return this.results.map((r) => r.screen);
  }
}

/** Onboarding with the advanced form: explicit IMAP and SMTP servers on loopback. */
export async function onboardManually(
  page: Page,
  user: TestUser,
  info: MailServerInfo,
  name: string,
): Promise<void> {
  await page.getByLabel('Email address').fill(user.address);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByLabel('Your name (optional)').fill(name);
  await page.getByRole('button', { name: 'Advanced settings' }).click();
  const imap = page.getByRole('group', { name: 'Incoming mail (IMAP)' });
  await imap.getByLabel('Server').fill(info.host);
  await imap.getByLabel('Port').fill(String(info.ports.imaps));
  await imap.getByLabel('Security').selectOption('tls');
  const smtp = page.getByRole('group', { name: 'Outgoing mail (SMTP)' });
  await smtp.getByLabel('Server').fill(info.host);
  await smtp.getByLabel('Port').fill(String(info.ports.smtps));
  await smtp.getByLabel('Security').selectOption('tls');
  await page.getByRole('button', { name: 'Log in' }).click();
  await waitForMessenger(page);
}

/** Onboarding with address and password only: the core discovers the servers. */
export async function onboardWithDiscovery(page: Page, user: TestUser, name: string) {
  await page.getByLabel('Email address').fill(user.address);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByLabel('Your name (optional)').fill(name);
  await page.getByRole('button', { name: 'Log in' }).click();
  // The steps are shown while the core works.
  await page.getByRole('progressbar', { name: 'Setup progress' }).waitFor({ timeout: 10_000 });
  await waitForMessenger(page);
}

export async function waitForMessenger(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'New chat' }).first().waitFor({ timeout: 60_000 });
}

/**
 * Opens the join dialog (Ctrl+N, then "Join by invite"), pastes `link` and waits for the core's
 * question. Language-neutral: used for the screenshots in French too.
 */
export async function askAboutInvite(page: Page, link: string): Promise<void> {
  await page.locator('.chat-list-pane').waitFor();
  await page.keyboard.press('Control+n');
  await page.locator('dialog[open] .form > .hint .link-button').first().click();
  const input = page.locator('dialog[open].join-dialog input[type=text]');
  await input.fill(link);
  await input.press('Enter');
  await page.locator('dialog[open] .join-question').waitFor({ timeout: 30_000 });
}

export function chatRow(page: Page, name: string | RegExp): Locator {
  return page.locator('.chat-row').filter({ hasText: name });
}

export async function startChat(page: Page, addr: string): Promise<void> {
  await page.getByRole('button', { name: 'New chat' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'New chat' });
  await dialog.getByLabel('Email address').fill(addr);
  await dialog.getByRole('button', { name: 'Start chat' }).click();
  await dialog.waitFor({ state: 'detached' });
}

export async function sendText(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

/** The bubble (with its failed line) of the newest message containing `text`. */
export function message(page: Page, text: string | RegExp): Locator {
  return page.locator('.message').filter({ hasText: text }).last();
}

/** Waits until the locator is visible (Playwright's own matchers are not part of playwright-core). */
export function visible(locator: Locator, timeout = 30_000): Promise<void> {
  return locator.waitFor({ state: 'visible', timeout });
}

/** Waits until the locator's attribute has the value. */
export async function attribute(locator: Locator, name: string, value: string, timeout = 30_000) {
  await expect.poll(() => locator.getAttribute(name), { timeout }).toBe(value);
}

/**
 * Scrolls a long chat to its first message and back to its newest, recording the largest
 * number of message rows the DOM ever held (a MutationObserver counts after every change).
 */
export async function scrollThroughHistory(
  page: Page,
  first: string,
  last: string,
): Promise<{ maxRows: number }> {
  await page.evaluate(() => {
    const w = window as unknown as { maxRows: number };
    w.maxRows = document.querySelectorAll('.message-row').length;
    new MutationObserver(() => {
      w.maxRows = Math.max(w.maxRows, document.querySelectorAll('.message-row').length);
    }).observe(document.body, { childList: true, subtree: true });
  });
  const list = page.locator('.message-list');
  const scroller = page.locator('.message-list-scroll');
  const firstRow = list.getByText(first, { exact: true });
  // Rows measured on the way change the total height: keep going up until the top stays put.
  await expect
    .poll(
      async () => {
        await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
        return firstRow.isVisible();
      },
      { timeout: 30_000, interval: 300 },
    )
    .toBe(true);
  // Wheel through some history in the middle, as a person would.
  await scroller.hover();
  for (let i = 0; i < 20; i++) await page.mouse.wheel(0, 2500);
  await page.getByRole('button', { name: /Jump to the newest message/ }).click();
  await visible(list.getByText(last, { exact: true }));
  return {
    maxRows: await page.evaluate(() => (window as unknown as { maxRows: number }).maxRows),
  };
}
