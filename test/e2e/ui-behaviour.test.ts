/**
 * How the UI behaves, shown against a scripted core (no mail server needed): keyboard use,
 * text safety, drafts, the jump-to-bottom counter, failed messages, the states that a live
 * exchange rarely produces on demand, and the message list with 100,000 messages.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHost } from '../../main/web/server.ts';
import type { WebHost } from '../../main/web/server.ts';
import { launchAppBrowser, openPage, screenshot, seriousAxeViolations } from './browser.ts';
import type { PageOptions } from './browser.ts';
import { scriptedCore } from './scripted-core.ts';
import { attribute, chatRow, message, scrollThroughHistory, visible } from './ui-steps.ts';

// Saturday 14 March 2026, 11:30 in Paris: "today" in every screenshot.
const NOW = new Date('2026-03-14T11:30:00+01:00').getTime();

describe('the UI against a scripted core', () => {
  let browser: Browser;
  let host: WebHost;
  let emptyHost: WebHost;
  let core: ReturnType<typeof scriptedCore>;

  const open = async (options: PageOptions = {}, target = host): Promise<Page> => {
    const { page } = await openPage(browser, target.url, { fixedTime: NOW, ...options });
    return page;
  };

  beforeAll(async () => {
    core = scriptedCore({ data: 'demo', now: NOW, bulkMessages: 100_000 });
    host = await startWebHost({ port: 0, dataDir: '/nonexistent-scripted', core });
    emptyHost = await startWebHost({
      port: 0,
      dataDir: '/nonexistent-scripted',
      core: scriptedCore({ data: 'empty', now: NOW }),
    });
    browser = await launchAppBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await emptyHost?.close();
  });

  it('shows placeholders, changed keys, classic email and setup progress (screenshots)', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await open({ colorScheme });
      await chatRow(page, 'Sam Keller').click();
      await visible(page.getByText('This message could not be shown.'));
      await visible(page.getByRole('alert').filter({ hasText: 'encryption key of Sam Keller' }));
      await attribute(
        message(page, 'last message arrive'),
        'data-encryption',
        'encrypted-unverified-sender',
      );
      // The core's sentence says why, beside the message.
      await visible(
        message(page, 'last message arrive')
          .locator('.sender-warning')
          .filter({ hasText: 'it may not be from them' }),
      );
      await screenshot(page, `states-placeholder-en-${colorScheme}`);
      await chatRow(page, 'Rail Club').click();
      await page.getByRole('button', { name: 'Show quoted text' }).click();
      await visible(page.getByText('Is there a trip planned this spring?'));
      await screenshot(page, `states-classic-email-en-${colorScheme}`);
      await chatRow(page, 'Jonas Weber').click();
      await visible(page.getByRole('button', { name: 'Retry' }));
      await screenshot(page, `states-failed-en-${colorScheme}`);
      await page.context().close();

      const setup = await open({ colorScheme }, emptyHost);
      await setup.getByLabel('Email address').fill('alice@estafette.test');
      await setup.getByLabel('Password', { exact: true }).fill('wrong');
      await setup.getByRole('button', { name: 'Log in' }).click();
      await visible(setup.getByRole('progressbar', { name: 'Setup progress' }));
      await screenshot(setup, `states-setup-progress-en-${colorScheme}`);
      await visible(setup.getByRole('alert').filter({ hasText: 'refused the login' }));
      await screenshot(setup, `states-setup-failed-en-${colorScheme}`);
      await setup.context().close();
    }
  });

  it('moves through the chat list with the arrow keys and opens a chat with Enter', async () => {
    const page = await open();
    const rows = page.locator('.chat-row');
    await rows.first().waitFor();
    await page.getByRole('searchbox', { name: 'Filter chats' }).focus();
    await page.keyboard.press('ArrowDown');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.textContent))
      .toContain('Nora Petit');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await visible(page.getByRole('heading', { name: 'Long History', level: 1 }));
    // The chat opens with the composer focused; Ctrl+K goes back to the list.
    await page.keyboard.press('Control+k');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await visible(page.getByRole('heading', { name: 'Ada Lindqvist', level: 1 }));
    // Alt+Up and Alt+Down switch chats from anywhere.
    await page.keyboard.press('Alt+ArrowUp');
    await visible(page.getByRole('heading', { name: 'Rail Club', level: 1 }));
    // Ctrl+N opens the new chat dialog, Escape closes it.
    await page.keyboard.press('Control+n');
    await visible(page.getByRole('dialog', { name: 'New chat' }));
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'New chat' }).waitFor({ state: 'detached' });
    await page.context().close();
  });

  it('filters chats by name', async () => {
    const page = await open();
    await page.getByRole('searchbox', { name: 'Filter chats' }).fill('jonas');
    await expect.poll(() => page.locator('.chat-row').count()).toBe(1);
    await visible(chatRow(page, 'Jonas Weber'));
    await page.getByRole('searchbox', { name: 'Filter chats' }).press('Escape');
    await expect.poll(() => page.locator('.chat-row').count()).toBeGreaterThan(5);
    await page.context().close();
  });

  it('sends with Enter, breaks lines with Shift+Enter, and shows text as text', async () => {
    const page = await open();
    await chatRow(page, 'Chloé Dubois').click();
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.pressSequentially('<img src=x onerror="window.hacked=1"> first line');
    await box.press('Shift+Enter');
    await box.pressSequentially('second line javascript:alert(1) https://example.org/a?b=1.');
    expect(await box.inputValue()).toContain('\n');
    await box.press('Enter');
    const sent = message(page, 'first line');
    await visible(sent);
    expect(await box.inputValue()).toBe('');
    expect(await sent.locator('.text').innerText()).toContain('<img src=x onerror=');
    expect(await sent.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => 'hacked' in window)).toBe(false);
    const links = sent.locator('.text a');
    expect(await links.count()).toBe(1);
    expect(await links.first().getAttribute('href')).toBe('https://example.org/a?b=1');
    // pending → sent → delivered, shown by the ticks.
    await attribute(sent, 'data-state', 'delivered', 10_000);
    await page.context().close();
  });

  it('keeps a draft per chat', async () => {
    const page = await open();
    await chatRow(page, 'Bob Martin').click();
    await page.getByRole('textbox', { name: 'Message' }).fill('Unfinished thought');
    await chatRow(page, 'Chloé Dubois').click();
    await visible(chatRow(page, 'Bob Martin').getByText('Unfinished thought'));
    await chatRow(page, 'Bob Martin').click();
    expect(await page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe(
      'Unfinished thought',
    );
    await page.context().close();
  });

  it('counts new messages on the jump-to-bottom button while scrolled up', async () => {
    const page = await open({ height: 520 });
    await chatRow(page, 'Bob Martin').click();
    await visible(message(page, 'On my way'));
    await page.locator('.message-list-scroll').evaluate((el) => el.scrollTo({ top: 0 }));
    const jump = page.getByRole('button', { name: /Jump to the newest message/ });
    await visible(jump);
    core.receive('Bob Martin', 'Are you still coming?');
    core.receive('Bob Martin', 'The train is early.');
    await visible(page.getByRole('button', { name: 'Jump to the newest message, 2 new' }));
    await jump.click();
    await visible(message(page, 'The train is early.'));
    await jump.waitFor({ state: 'detached' });
    await page.context().close();
  });

  it('shows why a message failed and sends it again on Retry', async () => {
    const page = await open();
    await chatRow(page, 'Jonas Weber').click();
    const failed = message(page, 'Bahnhofstraße');
    await attribute(failed, 'data-state', 'failed');
    await visible(failed.getByText('the mailbox of jonas@beispiel.de is full'));
    await failed.getByRole('button', { name: 'Retry' }).click();
    await attribute(failed, 'data-state', 'sent');
    await page.context().close();
  });

  it('asks before joining by invite, shows the progress, then the failure sentence', async () => {
    const page = await open();
    await page.locator('.chat-row').first().waitFor();
    await page.keyboard.press('Control+n');
    await page.getByRole('button', { name: 'Join by invite' }).click();
    const join = page.getByRole('dialog', { name: 'Join by invite' });
    await join.getByLabel('Invite link').fill('not an invite');
    await join.getByLabel('Invite link').press('Enter');
    await visible(join.getByRole('alert').filter({ hasText: 'not an invite Estafette can read' }));
    await join.getByLabel('Invite link').fill('https://i.delta.chat/#SCRIPTED');
    await join.getByLabel('Invite link').press('Enter');
    const confirm = page.getByRole('dialog', { name: 'Accept the invite?' });
    await visible(confirm.getByText('Verify Ada Lindqvist and start a chat?'));
    await confirm.getByRole('button', { name: 'Verify and start chat' }).click();
    await visible(page.getByRole('progressbar', { name: 'Verification progress' }));
    await visible(page.getByRole('status').filter({ hasText: 'Asked Ada Lindqvist' }));
    const failure = page.getByRole('alert').filter({ hasText: 'does not match the invite' });
    await visible(failure);
    await screenshot(page, 'states-join-failed-en-light');
    await failure.getByRole('button', { name: 'Dismiss' }).click();
    await failure.waitFor({ state: 'detached' });
    await page.context().close();
  });

  it('has no serious or critical accessibility violation on these screens', async () => {
    const page = await open({ colorScheme: 'dark' });
    const found: string[] = [];
    const check = async (screen: string) => {
      for (const v of await seriousAxeViolations(page)) found.push(`${screen}: ${v.id} ${v.help}`);
    };
    await chatRow(page, 'Jonas Weber').click();
    await check('failed message');
    await chatRow(page, 'Sam Keller').click();
    await check('placeholder and changed key');
    await chatRow(page, 'Nora Petit').click();
    await check('contact request');
    await page.getByRole('button', { name: 'New chat' }).first().click();
    await check('new chat dialog');
    expect(found).toEqual([]);
    await page.context().close();
  });

  it('keeps a few hundred message rows at most in a chat of 100,000', async () => {
    const page = await open();
    await chatRow(page, 'Long History').click();
    await visible(page.locator('.message-list').getByText('Message 100000.', { exact: true }));
    const { maxRows } = await scrollThroughHistory(
      page,
      'Message 1. This one is longer, so that rows have different heights and the list has to measure them as they come into view.',
      'Message 100000.',
    );
    expect(maxRows).toBeLessThanOrEqual(300);
    await page.context().close();
  });
});
