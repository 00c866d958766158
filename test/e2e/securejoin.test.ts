/**
 * SecureJoin and groups in a real browser: alice shows her invite, bob pastes her link,
 * confirms the core's question, and both sides end up verified; then alice makes a group with
 * bob, and bob sees it with its member list. Two web hosts, real cores, the real mail server.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebHost } from '../../main/web/server.ts';
import { mailServer } from '../mailserver/index.ts';
import type { MailServer, TestUser } from '../mailserver/index.ts';
import { launchAppBrowser, screenshot } from './browser.ts';
import {
  AccessibilityLog,
  askAboutInvite,
  chatRow,
  message,
  onboardManually,
  sendText,
  startPerson,
  stopPeople,
  screenshotVariants as screenshotsOf,
  visible,
} from './ui-steps.ts';
import type { Person } from './ui-steps.ts';

describe('alice and bob verify each other with an invite and make a group', () => {
  let server: MailServer;
  let browser: Browser;
  let people: Person[] = [];
  let aliceUser: TestUser;
  let bobUser: TestUser;
  let aliceHost: WebHost;
  let bobHost: WebHost;
  let alice: Page;
  let bob: Page;
  let link = '';
  let qrPng: Buffer = Buffer.alloc(0);
  const axe = new AccessibilityLog();
  const checkAccessibility = (page: Page, screen: string) => axe.check(page, screen);
  const screenshotVariants = (
    host: WebHost,
    name: string,
    prepare: (page: Page) => Promise<void>,
  ) => screenshotsOf(browser, host, name, prepare);

  beforeAll(async () => {
    server = mailServer();
    browser = await launchAppBrowser();
    // Mailboxes of their own: the story of this run leaves mail for alice@ and bob@.
    people = await Promise.all([
      startPerson(server, browser, 'alice.sj'),
      startPerson(server, browser, 'bob.sj'),
    ]);
    [
      { user: aliceUser, host: aliceHost, page: alice },
      { user: bobUser, host: bobHost, page: bob },
    ] = people as [Person, Person];
  });

  afterAll(async () => {
    await browser?.close();
    await stopPeople(people);
  });

  it('both set up their accounts', async () => {
    await Promise.all([
      onboardManually(alice, aliceUser, server.info, 'Alice'),
      onboardManually(bob, bobUser, server.info, 'Bob'),
    ]);
  });

  it('alice opens her invite: a QR code and a link that verifies her', async () => {
    await alice.getByRole('button', { name: 'Share my contact (invite)' }).click();
    const dialog = alice.getByRole('dialog', { name: 'Share my contact' });
    await visible(dialog.getByRole('img', { name: /QR code of the invite to chat with Alice/ }));
    link = await dialog.getByLabel('Invite link').inputValue();
    expect(link).toMatch(/^https:\/\/i\.delta\.chat\/#/);
    const qr = dialog.locator('.invite-qr img');
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    await expect
      .poll(() => qr.evaluate((img: HTMLImageElement) => img.naturalWidth))
      .toBeGreaterThan(0);
    await visible(dialog.getByText(/This link also verifies you/));
    // A picture of the code, as someone would screenshot or photograph it.
    qrPng = await dialog.locator('.invite-qr').screenshot();
    await checkAccessibility(alice, 'invite');
    await alice.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    await screenshotVariants(aliceHost, 'invite', async (page) => {
      await page.locator('.pane-header .icon-button').first().click();
      await page.locator('dialog[open] .invite-qr img').waitFor();
    });
  });

  it('a picture of the QR code is read on the device and leads to the same question', async () => {
    await bob.getByRole('button', { name: 'New chat' }).first().click();
    await bob
      .getByRole('dialog', { name: 'New chat' })
      .getByRole('button', { name: 'Join by invite' })
      .click();
    const dialog = bob.getByRole('dialog', { name: 'Join by invite' });
    await dialog.locator('input[type=file]').setInputFiles({
      name: 'alice-qr.png',
      mimeType: 'image/png',
      buffer: qrPng,
    });
    const confirm = bob.getByRole('dialog', { name: 'Accept the invite?' });
    await visible(confirm.getByText('Verify Alice and start a chat?'));
    await confirm.getByRole('button', { name: 'Back' }).click();
    expect(await bob.getByLabel('Invite link').inputValue()).toBe(link);
    await bob.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('an invite can be withdrawn', async () => {
    await alice.getByRole('button', { name: 'Share my contact (invite)' }).click();
    const dialog = alice.getByRole('dialog', { name: 'Share my contact' });
    await dialog.locator('.invite-qr img').waitFor();
    await dialog.getByRole('button', { name: 'Withdraw this invite' }).click();
    await visible(dialog.getByRole('status').filter({ hasText: 'nobody can use it any more' }));
    await visible(dialog.getByRole('button', { name: 'Make a new invite' }));
    await alice.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('bob pastes her link and is asked before anything is sent', async () => {
    await screenshotVariants(bobHost, 'join-confirm', (page) => askAboutInvite(page, link));
    await askAboutInvite(bob, link);
    const dialog = bob.getByRole('dialog', { name: 'Accept the invite?' });
    await visible(dialog.getByText('Verify Alice and start a chat?'));
    await visible(dialog.getByText(aliceUser.address, { exact: false }));
    await checkAccessibility(bob, 'join confirmation');
    await dialog.getByRole('button', { name: 'Verify and start chat' }).click();
    await dialog.waitFor({ state: 'detached' });
    await bob.getByRole('textbox', { name: 'Message' }).waitFor();
  });

  it('both sides show the verified mark', async () => {
    await visible(bob.locator('.chat-subtitle .mark-verified'), 90_000);
    await visible(chatRow(bob, /Alice/).locator('.mark-verified'));
    await visible(chatRow(alice, /Bob/).locator('.mark-verified'), 90_000);
    await chatRow(alice, /Bob/).click();
    await visible(alice.locator('.chat-subtitle .mark-verified'));

    await sendText(bob, 'Verified hello from Bob.');
    await visible(message(alice, 'Verified hello from Bob.'), 60_000);
    expect(await message(alice, 'Verified hello from Bob.').getAttribute('data-encryption')).toBe(
      'encrypted',
    );
    await alice.getByRole('button', { name: 'Chat details', exact: true }).click();
    const details = alice.getByRole('dialog', { name: 'Chat details' });
    await visible(details.locator('.contact-name .mark-verified'));
    await alice.keyboard.press('Escape');

    await screenshotVariants(aliceHost, 'verified-chat', async (page) => {
      await chatRow(page, /Bob/).click();
      await page.locator('.chat-subtitle .mark-verified').waitFor();
      await page.locator('.message').last().waitFor();
    });
  });

  it('alice creates a group with bob; bob sees it and its members', async () => {
    await alice.getByRole('button', { name: 'New group' }).click();
    const dialog = alice.getByRole('dialog', { name: 'New group' });
    await dialog.getByLabel('Group name').fill('Climbing club');
    await dialog.getByRole('checkbox', { name: /Bob/ }).check();
    await screenshot(alice, 'new-group-en-light');
    await dialog.getByRole('button', { name: 'Create group' }).click();
    await dialog.waitFor({ state: 'detached' });
    await sendText(alice, 'Welcome to the climbing club!');
    await expect
      .poll(() => message(alice, 'Welcome to the climbing club').getAttribute('data-state'), {
        timeout: 30_000,
      })
      .toMatch(/^(sent|delivered|read)$/);

    await chatRow(bob, 'Climbing club').waitFor({ timeout: 60_000 });
    await chatRow(bob, 'Climbing club').click();
    await visible(message(bob, 'Welcome to the climbing club'));
    await bob.getByRole('button', { name: 'Group info', exact: true }).click();
    const info = bob.getByRole('dialog', { name: 'Group info' });
    const members = info.locator('.member-list .member-row');
    await expect.poll(() => members.count(), { timeout: 30_000 }).toBe(2);
    await visible(members.filter({ hasText: aliceUser.address }));
    await visible(members.filter({ hasText: bobUser.address }));
    await bob.keyboard.press('Escape');

    await alice.getByRole('button', { name: 'Group info', exact: true }).click();
    await expect.poll(() => alice.locator('dialog[open] .member-list .member-row').count()).toBe(2);
    await checkAccessibility(alice, 'group info');
    await alice.keyboard.press('Escape');

    await screenshotVariants(aliceHost, 'group-info', async (page) => {
      await chatRow(page, 'Climbing club').click();
      await page.locator('.chat-header .icon-button').click();
      await expect
        .poll(() => page.locator('dialog[open] .member-list .member-row').count())
        .toBe(2);
    });
  });

  it('bob leaves the group: it stays, read-only, and alice’s member list follows', async () => {
    await bob.getByRole('button', { name: 'Group info', exact: true }).click();
    const info = bob.getByRole('dialog', { name: 'Group info' });
    await info.getByRole('button', { name: 'Leave group' }).click();
    await info
      .getByRole('group', { name: /Leave this group/ })
      .getByRole('button', { name: 'Leave group' })
      .click();
    await visible(info.getByText('You are no longer a member of this group.'));
    await bob.keyboard.press('Escape');
    await visible(
      bob.getByText('You are no longer a member of this group, so you cannot write here.'),
    );
    expect(await bob.getByRole('textbox', { name: 'Message' }).count()).toBe(0);
    await screenshot(bob, 'group-read-only-en-light');

    await alice.getByRole('button', { name: 'Group info', exact: true }).click();
    await expect
      .poll(() => alice.locator('dialog[open] .member-list .member-row').count(), {
        timeout: 60_000,
      })
      .toBe(1);
    await alice.keyboard.press('Escape');
  });

  it('has no serious or critical accessibility violation on these screens', () => {
    expect(axe.failing()).toEqual([]);
    expect(axe.screens()).toEqual(['invite', 'join confirmation', 'group info']);
  });
});
