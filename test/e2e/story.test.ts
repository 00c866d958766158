/**
 * The whole product in a real browser: two web hosts (alice and bob), each with its own core,
 * against the real Postfix + Dovecot of the test bed. Everything is done through the UI.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebHost } from '../../main/web/server.ts';
import { mailServer } from '../mailserver/index.ts';
import type { MailServer, TestUser } from '../mailserver/index.ts';
import { launchAppBrowser, screenshot } from './browser.ts';
import { landscapePng } from './png.ts';
import {
  AccessibilityLog,
  attribute,
  chatRow,
  message,
  onboardManually,
  onboardWithDiscovery,
  sendText,
  startChat,
  startPerson,
  stopPeople,
  screenshotVariants as screenshotsOf,
  visible,
} from './ui-steps.ts';
import type { Person } from './ui-steps.ts';

/** Serves Thunderbird autoconfig XML for the test domain (bob's account is discovered). */
function autoconfigServer(server: MailServer): Promise<Server> {
  const { host, domain, ports } = server.info;
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="${domain}">
    <domain>${domain}</domain>
    <incomingServer type="imap">
      <hostname>${host}</hostname><port>${ports.imaps}</port><socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>${host}</hostname><port>${ports.smtps}</port><socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>`;
  const http = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(xml);
  });
  return new Promise((resolve) => http.listen(0, '127.0.0.1', () => resolve(http)));
}

describe('alice and bob, each in a browser, chat through their mail accounts', () => {
  let server: MailServer;
  let autoconfig: Server;
  let browser: Browser;
  let people: Person[] = [];
  let aliceUser: TestUser;
  let bobUser: TestUser;
  let carolUser: TestUser;
  let aliceHost: WebHost;
  let bobHost: WebHost;
  let alice: Page;
  let bob: Page;
  const axe = new AccessibilityLog();
  const checkAccessibility = (page: Page, screen: string) => axe.check(page, screen);
  /** The same screen of a host in each language and theme, each in a fresh browser context. */
  const screenshotVariants = (
    host: WebHost,
    name: string,
    prepare: (page: Page) => Promise<void>,
  ) => screenshotsOf(browser, host, name, prepare);

  beforeAll(async () => {
    server = mailServer();
    autoconfig = await autoconfigServer(server);
    const autoconfigUrl = `http://127.0.0.1:${(autoconfig.address() as AddressInfo).port}/mail/config-v1.1.xml`;
    browser = await launchAppBrowser();
    // Bob's servers are discovered: his core asks the local autoconfig server.
    const coreOptions = { autoconfigUrls: () => [autoconfigUrl] };
    people = await Promise.all([
      startPerson(server, browser, 'alice', coreOptions),
      startPerson(server, browser, 'bob', coreOptions),
    ]);
    [
      { user: aliceUser, host: aliceHost, page: alice },
      { user: bobUser, host: bobHost, page: bob },
    ] = people as [Person, Person];
    carolUser = await server.addUser('carol');
  });

  afterAll(async () => {
    await browser?.close();
    await stopPeople(people);
    await new Promise((resolve) => autoconfig?.close(resolve));
  });

  it('shows onboarding in English and French, light and dark', async () => {
    await alice.getByLabel('Email address').waitFor();
    await checkAccessibility(alice, 'onboarding');
    await screenshotVariants(aliceHost, 'onboarding', async (page) => {
      await page.locator('input[name=addr]').waitFor();
    });
  });

  it('alice sets up her account with the advanced form', async () => {
    await onboardManually(alice, aliceUser, server.info, 'Alice');
    await expect
      .poll(() => alice.locator('.connectivity-label').textContent(), {
        timeout: 30_000,
      })
      .toBe('Connected');
  });

  it('bob sets up his account from address and password (autoconfig)', async () => {
    await onboardWithDiscovery(bob, bobUser, 'Bob');
  });

  it("alice starts a chat with bob's address and writes to him", async () => {
    await startChat(alice, bobUser.address);
    await sendText(alice, 'Hello Bob, this is Alice on Estafette.');
    await expect
      .poll(() => message(alice, 'Hello Bob').getAttribute('data-state'), { timeout: 30_000 })
      .toMatch(/^(sent|delivered|read)$/);
  });

  it('bob sees a contact request, accepts it and replies', async () => {
    const request = chatRow(bob, /Alice/);
    await request.waitFor({ timeout: 30_000 });
    await visible(bob.getByRole('heading', { name: 'Contact requests' }));
    await request.click();
    await visible(bob.getByRole('region', { name: 'Contact request' }));
    await visible(message(bob, 'Hello Bob'));
    await checkAccessibility(bob, 'contact request');
    await screenshotVariants(bobHost, 'contact-request', async (page) => {
      await chatRow(page, /Alice/).click();
      await page.getByRole('region', { name: /Contact request|Demande de contact/ }).waitFor();
      await page.locator('.message').first().waitFor();
    });

    await bob.getByRole('button', { name: 'Accept' }).click();
    await bob.getByRole('textbox', { name: 'Message' }).waitFor();
    await sendText(bob, 'Hi Alice! Nice to hear from you.');
    await visible(message(alice, 'Hi Alice!'));
  });

  it('from then on both sides show the conversation as encrypted', async () => {
    await attribute(alice.locator('.chat-subtitle'), 'data-encrypted', 'true');
    await attribute(message(alice, 'Hi Alice!'), 'data-encryption', 'encrypted');
    await sendText(alice, 'Now our messages are end-to-end encrypted.');
    await attribute(message(alice, 'end-to-end encrypted.'), 'data-encryption', 'encrypted');
    await visible(message(bob, 'end-to-end encrypted.'));
    await attribute(message(bob, 'end-to-end encrypted.'), 'data-encryption', 'encrypted');
    await attribute(bob.locator('.chat-subtitle'), 'data-encrypted', 'true');
    await visible(chatRow(bob, /Alice/).locator('.mark-encrypted'));
  });

  it('an image sent by alice appears as a thumbnail at bob’s', async () => {
    await alice.locator('.composer input[type=file]').setInputFiles({
      name: 'north-wall.png',
      mimeType: 'image/png',
      buffer: landscapePng(),
    });
    await visible(
      alice.getByRole('list', { name: 'Attachments to send' }).getByText('north-wall.png'),
    );
    await sendText(alice, 'The new route on the north wall.');
    const thumbnail = message(bob, 'north wall').locator('img.thumbnail-image');
    await thumbnail.waitFor({ timeout: 30_000 });
    await expect
      .poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth))
      .toBe(360);
  });

  it('a send fails visibly while the mail server is down, and Retry delivers it', async () => {
    await server.stop();
    try {
      await sendText(alice, 'Sent while the server was down.');
      // A refused connection is temporary: the message waits (or fails for good) and says why.
      const failed = message(alice, 'while the server was down');
      await visible(failed.locator('.failed-line'), 60_000);
      expect(await failed.getAttribute('data-send-problem')).toMatch(/^(retrying|failed)$/);
      await screenshot(alice, 'send-failed-en-light');
    } finally {
      await server.start();
    }
    await message(alice, 'while the server was down')
      .getByRole('button', { name: /^(Retry|Try now)$/ })
      .click();
    await expect
      .poll(() => message(alice, 'while the server was down').getAttribute('data-state'), {
        timeout: 60_000,
      })
      .toMatch(/^(sent|delivered|read)$/);
    await visible(message(bob, 'while the server was down'), 60_000);
  });

  it('alice writes to carol, who has no key yet: that chat says it is not encrypted', async () => {
    await startChat(alice, carolUser.address);
    await sendText(alice, 'Carol, are you coming on Saturday?');
    await attribute(alice.locator('.chat-subtitle'), 'data-encrypted', 'false');
    await attribute(message(alice, 'coming on Saturday'), 'data-encryption', 'none');
    await visible(chatRow(alice, carolUser.address).locator('.mark-plain'));
    await chatRow(alice, 'Bob').click();
  });

  it('shows chat list, chat view and settings in English and French, light and dark', async () => {
    await checkAccessibility(alice, 'chat view');
    await alice.getByRole('button', { name: 'Chat details', exact: true }).click();
    await alice.getByRole('dialog', { name: 'Chat details' }).waitFor();
    await visible(alice.locator('.fingerprint').first());
    await checkAccessibility(alice, 'contact view');
    await alice.keyboard.press('Escape');
    await alice.getByRole('button', { name: 'Settings', exact: true }).click();
    await alice.getByRole('dialog', { name: 'Settings' }).waitFor();
    await checkAccessibility(alice, 'settings');
    await alice.keyboard.press('Escape');

    await screenshotVariants(aliceHost, 'chat-list', async (page) => {
      await page.locator('.chat-row').first().waitFor();
    });
    await screenshotVariants(aliceHost, 'chat-view', async (page) => {
      await chatRow(page, 'Bob').click();
      await page.locator('img.thumbnail-image').waitFor();
    });
    await screenshotVariants(aliceHost, 'settings', async (page) => {
      await page.locator('.chat-row').first().waitFor();
      await page.locator('.account-rail > .rail-button').click();
      await page.locator('dialog[open]').waitFor();
    });
  });

  it('has no serious or critical accessibility violation on the main screens', () => {
    expect(axe.failing()).toEqual([]);
    expect(axe.screens()).toEqual([
      'onboarding',
      'contact request',
      'chat view',
      'contact view',
      'settings',
    ]);
  });
});
