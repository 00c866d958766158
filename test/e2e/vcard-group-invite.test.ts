/**
 * Contacts by vCard and groups by invite, three people in a browser each (web host, real core,
 * real mail server): bob saves his own vCard; alice, a fresh account, imports it (after bad input
 * is turned away with a sentence), sees who and which key before anything happens, and writes
 * to bob encrypted. Alice makes a group with bob and shows its invite; carol pastes the link,
 * confirms and is joined; the group shows her, and her message reaches alice and bob.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailServer } from '../mailserver/index.ts';
import type { MailServer } from '../mailserver/index.ts';
import { launchAppBrowser, screenshot } from './browser.ts';
import {
  AccessibilityLog,
  askAboutInvite,
  attribute,
  chatRow,
  message,
  onboardManually,
  SCREEN_VARIANTS,
  screenshotVariants,
  sendText,
  startPerson,
  stopPeople,
  visible,
} from './ui-steps.ts';
import type { Person } from './ui-steps.ts';

/** New chat → "Import contact from vCard"; returns the import dialog. */
async function openImport(page: Page) {
  await page.locator('.chat-list-pane').waitFor();
  await page.keyboard.press('Control+n');
  // The second link of the New chat dialog (the first one joins by invite): any language.
  await page.locator('dialog[open] .form > .hint .link-button').nth(1).click();
  const dialog = page.locator('dialog[open].vcard-dialog');
  await dialog.waitFor();
  return dialog;
}

describe('a contact by vCard, and a group joined by invite', () => {
  let server: MailServer;
  let browser: Browser;
  let people: Person[] = [];
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let bobCard = '';
  let groupLink = '';
  const axe = new AccessibilityLog();

  beforeAll(async () => {
    server = mailServer();
    browser = await launchAppBrowser();
    // Mailboxes of their own: other stories of this run use alice@, bob@ and carol@.
    people = await Promise.all(
      ['alice.vc', 'bob.vc', 'carol.vc'].map((local) => startPerson(server, browser, local)),
    );
    [alice, bob, carol] = people as [Person, Person, Person];
  });

  afterAll(async () => {
    await browser?.close();
    await stopPeople(people);
  });

  it('all three set up their accounts', async () => {
    await Promise.all([
      onboardManually(alice.page, alice.user, server.info, 'Alice'),
      onboardManually(bob.page, bob.user, server.info, 'Bob'),
      onboardManually(carol.page, carol.user, server.info, 'Carol'),
    ]);
  });

  it('bob saves his own vCard from his invite dialog (a .vcf download)', async () => {
    const page = bob.page;
    await page.getByRole('button', { name: 'Share my contact (invite)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Share my contact' });
    await visible(dialog.getByText(/unlike the link it does not verify you/));
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      dialog.getByRole('button', { name: 'Save .vcf file' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('Bob.vcf');
    bobCard = await readFile(await download.path(), 'utf8');
    expect(bobCard).toMatch(/^BEGIN:VCARD\r\nVERSION:4\.0\r\n/);
    expect(bobCard).toContain(`EMAIL:${bob.user.address}\r\n`);
    expect(bobCard).toContain('FN:Bob\r\n');
    expect(bobCard).toContain('KEY:data:application/pgp-keys;base64\\,');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('what is not a usable vCard gets a clear sentence, and nothing is added', async () => {
    const page = alice.page;
    const dialog = await openImport(page);
    await axe.check(page, 'vCard import');
    const alert = dialog.getByRole('alert');

    await dialog.getByLabel('Or paste the vCard text').fill('Hello, this is my address: bob@x.org');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await visible(
      alert.getByText('This is not a vCard: a vCard begins with the line BEGIN:VCARD.'),
    );

    const nobody = 'BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Nobody\r\nEND:VCARD\r\n';
    await dialog.getByLabel('Or paste the vCard text').fill(nobody);
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await visible(alert.getByText(/holds no contact with an email address/));

    // Larger than any vCard: refused by its size, before it is read.
    await dialog.locator('input[type=file]').setInputFiles({
      name: 'huge.vcf',
      mimeType: 'text/vcard',
      buffer: Buffer.alloc(5_000_001, 'A'),
    });
    await visible(alert.getByText(/too large for a vCard \(more than 5 MB\)/));

    // A dropped picture is not a vCard either.
    const picture = await page.evaluateHandle(() => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], 'photo.png'));
      return data;
    });
    await dialog.locator('.vcard-drop').dispatchEvent('drop', { dataTransfer: picture });
    await visible(alert.getByText(/This is not a vCard/));
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.keyboard.press('Control+n');
    const newChat = page.getByRole('dialog', { name: 'New chat' });
    await visible(newChat.getByText('No contacts yet. Type an address above.'));
    await page.keyboard.press('Escape');
  });

  it('alice imports bob’s vCard: she sees who, his key, that it is not verified, and the chat opens', async () => {
    const page = alice.page;
    const dialog = await openImport(page);
    await dialog.locator('input[type=file]').setInputFiles({
      name: 'Bob.vcf',
      mimeType: 'text/vcard',
      buffer: Buffer.from(bobCard),
    });
    const confirm = page.getByRole('dialog', { name: 'Add this contact?' });
    await visible(confirm.getByRole('heading', { name: 'Bob' }));
    await visible(confirm.getByText(bob.user.address));
    await visible(confirm.getByRole('heading', { name: 'Key included' }));
    const fingerprint = (await bob.host.core.call('listAccounts', {}))[0]?.fingerprint ?? '';
    const shown = await confirm
      .getByRole('group', { name: 'Fingerprint of the key in the vCard' })
      .textContent();
    expect(shown?.replace(/\s/g, '')).toBe(fingerprint);
    await visible(confirm.getByText(/will be end-to-end encrypted with this key/));
    await visible(confirm.getByText(/Not verified: a vCard does not prove who made it/));
    await axe.check(page, 'vCard confirmation');

    // The same question in English and French, light and dark (a pasted card this time).
    await screenshotVariants(browser, alice.host, 'vcard-import', async (shot) => {
      const importer = await openImport(shot);
      await importer.locator('textarea').fill(bobCard);
      await importer.locator('button[type=submit]').click();
      await shot.locator('dialog[open] .vcard-unverified').waitFor();
    });
    await screenshotVariants(
      browser,
      alice.host,
      'vcard-not-a-vcard',
      async (shot) => {
        const importer = await openImport(shot);
        await importer.locator('textarea').fill('Bob, bob.vc@estafette.test');
        await importer.locator('button[type=submit]').click();
        await importer.getByRole('alert').waitFor();
      },
      SCREEN_VARIANTS.filter((v) => v.tag === 'en-light' || v.tag === 'fr-dark'),
    );

    await confirm.getByRole('button', { name: 'Add and open chat' }).click();
    await confirm.waitFor({ state: 'detached' });
    await visible(page.locator('.chat-title').getByText('Bob'));
    // Encrypted to the imported key from the first message on, and honestly not verified.
    await sendText(page, 'Hello Bob, I got your vCard.');
    await attribute(message(page, 'I got your vCard'), 'data-encryption', 'encrypted');
    await attribute(page.locator('.chat-subtitle'), 'data-encrypted', 'true');
    expect(await page.locator('.chat-subtitle .mark-verified').count()).toBe(0);
    await screenshot(page, 'vcard-chat-opened-en-light');

    const request = chatRow(bob.page, /Alice/);
    await request.waitFor({ timeout: 60_000 });
    await request.click();
    await visible(message(bob.page, 'I got your vCard'));
    expect(await message(bob.page, 'I got your vCard').getAttribute('data-encryption')).toMatch(
      /^encrypted/,
    );
    await bob.page.getByRole('button', { name: 'Accept' }).click();
    await bob.page.getByRole('textbox', { name: 'Message' }).waitFor();
  });

  it('alice’s contact view shares bob’s vCard as text too', async () => {
    const page = alice.page;
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.getByRole('button', { name: 'Chat details', exact: true }).click();
    const details = page.getByRole('dialog', { name: 'Chat details' });
    await visible(details.getByRole('heading', { name: 'Share contact (vCard)' }));
    await details.getByRole('heading', { name: 'Share contact (vCard)' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'contact-share-en-light');
    await details.getByRole('button', { name: 'Copy as text' }).click();
    await visible(page.getByText('vCard copied.'));
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toContain(`EMAIL:${bob.user.address}\r\n`);
    expect(copied).toContain('KEY:data:application/pgp-keys;base64\\,');
    await page.keyboard.press('Escape');
    await details.waitFor({ state: 'detached' });
  });

  it('a vCard of several contacts lists them, with their keys, and adds them all', async () => {
    const page = alice.page;
    const dave = 'BEGIN:VCARD\r\nVERSION:4.0\r\nEMAIL:dave@example.org\r\nFN:Dave\r\nEND:VCARD\r\n';
    const dialog = await openImport(page);
    await dialog.locator('textarea').fill(bobCard + dave);
    await dialog.getByRole('button', { name: 'Continue' }).click();
    const confirm = page.getByRole('dialog', { name: 'Add these 2 contacts?' });
    const rows = confirm.locator('.vcard-list .member-row');
    await visible(rows.filter({ hasText: bob.user.address }).getByText('Key', { exact: true }));
    await visible(rows.filter({ hasText: 'dave@example.org' }).getByText('No key'));
    await visible(confirm.getByText(/Not verified: a vCard does not prove who made it/));
    await screenshot(page, 'vcard-import-many-en-light');
    await confirm.getByRole('button', { name: 'Add 2 contacts' }).click();
    await visible(page.getByText('2 contacts added.'));
    // Back in New chat, where both are now contacts.
    const newChat = page.getByRole('dialog', { name: 'New chat' });
    await visible(newChat.getByRole('button', { name: /Dave/ }));
    await page.keyboard.press('Escape');
    await newChat.waitFor({ state: 'detached' });
  });

  it('alice makes a group with bob and shows its invite; carol pastes the link and joins', async () => {
    const page = alice.page;
    await page.getByRole('button', { name: 'New group' }).click();
    const create = page.getByRole('dialog', { name: 'New group' });
    await create.getByLabel('Group name').fill('Book club');
    await create.getByRole('checkbox', { name: /Bob/ }).check();
    await create.getByRole('button', { name: 'Create group' }).click();
    await create.waitFor({ state: 'detached' });
    await sendText(page, 'Welcome to the book club!');
    await chatRow(bob.page, 'Book club').waitFor({ timeout: 60_000 });

    await page.getByRole('button', { name: 'Group info', exact: true }).click();
    await page
      .getByRole('dialog', { name: 'Group info' })
      .getByRole('button', { name: 'Invite by link or QR code' })
      .click();
    const invite = page.getByRole('dialog', { name: 'Invite to this group' });
    await visible(invite.getByRole('img', { name: 'QR code of the invite to join Book club' }));
    groupLink = await invite.getByLabel('Invite link').inputValue();
    expect(groupLink).toMatch(/^https:\/\/i\.delta\.chat\/#/);
    // A group's invite is about the group: no personal vCard here.
    expect(await invite.getByRole('button', { name: 'Save .vcf file' }).count()).toBe(0);
    await page.keyboard.press('Escape');
    await invite.waitFor({ state: 'detached' });

    await askAboutInvite(carol.page, groupLink);
    const question = carol.page.getByRole('dialog', { name: 'Accept the invite?' });
    await visible(question.getByText(/Join the group “Book club” with Alice’s invite\?/));
    await question.getByRole('button', { name: 'Verify and join group' }).click();
    await question.waitFor({ state: 'detached' });
    await visible(carol.page.locator('.chat-title').getByText('Book club'));
    // Joined when alice's member-added message arrives: the composer is there to write.
    await carol.page.getByRole('textbox', { name: 'Message' }).waitFor({ timeout: 90_000 });
  });

  it('the group shows carol as a member on every side, and her message reaches everyone', async () => {
    const members = (page: Page) => page.locator('dialog[open] .member-list .member-row');
    for (const person of [alice, carol]) {
      await chatRow(person.page, 'Book club').click();
      await person.page.getByRole('button', { name: 'Group info', exact: true }).click();
      await expect.poll(() => members(person.page).count(), { timeout: 60_000 }).toBe(3);
      await visible(members(person.page).filter({ hasText: carol.user.address }));
      await visible(members(person.page).filter({ hasText: bob.user.address }));
      if (person === carol) {
        await axe.check(carol.page, 'joined group info');
        await screenshot(carol.page, 'group-joined-info-en-light');
      }
      await person.page.keyboard.press('Escape');
    }

    await sendText(carol.page, 'Hello book club, Carol here.');
    for (const person of [alice, bob]) {
      await chatRow(person.page, 'Book club').click();
      const received = message(person.page, 'Carol here.');
      await visible(received, 60_000);
      await attribute(received, 'data-encryption', 'encrypted');
    }
    await attribute(message(carol.page, 'Carol here.'), 'data-encryption', 'encrypted');

    await screenshot(carol.page, 'group-joined-en-light');
    await screenshotVariants(
      browser,
      carol.host,
      'group-joined',
      async (shot) => {
        await chatRow(shot, 'Book club').click();
        await message(shot, 'Carol here.').waitFor();
      },
      SCREEN_VARIANTS.filter((v) => v.tag === 'fr-dark'),
    );
  });

  it('New chat lists alice’s contacts, filtered by what she types', async () => {
    const page = alice.page;
    await page.keyboard.press('Control+n');
    const dialog = page.getByRole('dialog', { name: 'New chat' });
    const contacts = dialog.getByRole('group', { name: 'Your contacts' });
    await visible(contacts.getByRole('button', { name: /Bob/ }));
    await visible(contacts.getByRole('button', { name: /Carol/ }));
    await visible(contacts.getByRole('button', { name: /Dave/ }));
    await axe.check(page, 'new chat');
    await screenshot(page, 'new-chat-contacts-en-light');
    await dialog.getByLabel('Email address').fill('car');
    await expect.poll(() => contacts.getByRole('button').count()).toBe(1);
    // Enter with a name that matches one contact opens that chat.
    await dialog.getByLabel('Email address').press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await visible(page.locator('.chat-title').getByText('Carol'));
  });

  it('has no serious or critical accessibility violation on these screens', () => {
    expect(axe.failing()).toEqual([]);
    expect(axe.screens()).toEqual([
      'vCard import',
      'vCard confirmation',
      'joined group info',
      'new chat',
    ]);
  });
});
