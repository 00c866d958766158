/**
 * The core's system lines in the UI's language: alice verifies bob with an invite and renames
 * their group; in a French (and a German) UI the group change and the verification lines read in
 * that language, while the core keeps its English text as the fallback. Real cores behind real web
 * hosts, the real mail server; accounts, invite and group are made through the API to keep this
 * about the lines.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailServer } from '../mailserver/index.ts';
import type { MailServer } from '../mailserver/index.ts';
import { manualSettings, observe } from '../support/peer.ts';
import type { CoreEvent } from '../../shared/events.ts';
import type { Account } from '../../shared/types.ts';
import { launchAppBrowser, openPage, screenshot } from './browser.ts';
import { AccessibilityLog, chatRow, startPerson, stopPeople, visible } from './ui-steps.ts';
import type { Person } from './ui-steps.ts';

type Observed = ReturnType<typeof observe>;

async function addAccount(server: MailServer, person: Person, name: string) {
  const events = observe(person.host.core);
  const account = await person.host.core.call('addAccountManual', {
    addr: person.user.address,
    password: person.user.password,
    displayName: name,
    settings: manualSettings(server, person.user),
  });
  await events.waitFor(
    (e) => e.type === 'connectivityChanged' && e.connectivity.status === 'connected',
    30_000,
  );
  return { account, events };
}

function systemLine(page: Page, text: string) {
  return page.locator('.system-message').filter({ hasText: text });
}

describe('system lines in the French and German UI', () => {
  let server: MailServer;
  let browser: Browser;
  let people: Person[] = [];
  let alice: Person;
  let bob: Person;
  let aliceAccount: Account;
  let bobAccount: Account;
  let aliceEvents: Observed;
  let bobEvents: Observed;
  const axe = new AccessibilityLog();

  beforeAll(async () => {
    server = mailServer();
    browser = await launchAppBrowser();
    // Mailboxes of their own: other stories of this run use alice@ and bob@.
    people = await Promise.all([
      startPerson(server, browser, 'alice.ll'),
      // A short SecureJoin timeout, to see the waiting banner turn into the timeout one.
      startPerson(server, browser, 'bob.ll', { secureJoinTimeoutMs: 8_000 }),
    ]);
    [alice, bob] = people as [Person, Person];
    [{ account: aliceAccount, events: aliceEvents }, { account: bobAccount, events: bobEvents }] =
      await Promise.all([addAccount(server, alice, 'Alice'), addAccount(server, bob, 'Bob')]);
  });

  afterAll(async () => {
    await browser?.close();
    await stopPeople(people);
  });

  it('a verification and a group rename read in French and German', async () => {
    const invite = await alice.host.core.call('getInvite', { accountId: aliceAccount.id });
    const bobChat = await bob.host.core.call('secureJoin', {
      accountId: bobAccount.id,
      invite: invite.link,
    });
    const done = (e: CoreEvent) => e.type === 'secureJoinProgress' && e.step === 'done';
    await Promise.all([aliceEvents.waitFor(done, 30_000), bobEvents.waitFor(done, 30_000)]);

    const [bobAtAlice] = await alice.host.core.call('listContacts', {
      accountId: aliceAccount.id,
      query: bob.user.address,
    });
    const group = await alice.host.core.call('createGroup', {
      accountId: aliceAccount.id,
      name: 'Club de lecture',
      contactIds: [bobAtAlice!.id],
    });
    await alice.host.core.call('sendMessage', {
      accountId: aliceAccount.id,
      chatId: group.id,
      text: 'Bonjour à tous',
    });
    await bobEvents.waitFor(
      (e) => e.type === 'messageAdded' && e.message.text === 'Bonjour à tous',
      30_000,
    );
    await alice.host.core.call('setChatName', {
      accountId: aliceAccount.id,
      chatId: group.id,
      name: 'Club du dimanche',
    });
    const renamed = await bobEvents.waitFor(
      (e) => e.type === 'messageAdded' && e.message.system?.code === 'group_renamed',
      30_000,
    );
    // The core keeps its English text next to the code.
    if (renamed.type !== 'messageAdded') throw new Error('unreachable');
    expect(renamed.message.text).toBe('Alice renamed the group to “Club du dimanche”.');

    // Bob, in French: the rename in the group, the verification in the 1:1 chat.
    const { page: bobFr } = await openPage(browser, bob.host.url, { locale: 'fr-FR' });
    await chatRow(bobFr, 'Club du dimanche').click();
    await visible(systemLine(bobFr, 'Alice a renommé le groupe en « Club du dimanche ».'));
    expect(await bobFr.locator('.system-message').allInnerTexts()).not.toContain(
      renamed.message.text,
    );
    await axe.check(bobFr, 'group with system lines (fr)');
    await screenshot(bobFr, 'localised-lines-group-fr-light');
    const aliceName = `Alice (${alice.user.address})`;
    await chatRow(bobFr, 'Alice').filter({ hasNotText: 'Club' }).click();
    await visible(
      systemLine(bobFr, `${aliceName} est vérifié(e) : sa clé correspond à l’invitation.`),
    );
    expect(bobChat.id).toBeGreaterThan(0);
    await screenshot(bobFr, 'localised-lines-verified-fr-light');

    // A join nobody answers (alice withdrew the invite): the banner above the chat says it in
    // French while it waits, then that alice has not answered.
    const withdrawn = await alice.host.core.call('getInvite', { accountId: aliceAccount.id });
    await alice.host.core.call('revokeInvite', {
      accountId: aliceAccount.id,
      inviteId: withdrawn.id,
    });
    await bob.host.core.call('secureJoin', { accountId: bobAccount.id, invite: withdrawn.link });
    await visible(
      bobFr
        .getByRole('status')
        .filter({ hasText: `En attente de la réponse de ${aliceName} à votre demande` }),
    );
    const timedOut = bobFr.getByRole('alert').filter({ hasText: `${aliceName} n’a pas encore` });
    await visible(timedOut, 20_000);
    await visible(systemLine(bobFr, `${aliceName} n’a pas encore répondu.`));
    await screenshot(bobFr, 'localised-lines-join-timeout-fr-light');

    // Alice, in French, sees her own change in her words.
    const { page: aliceFr } = await openPage(browser, alice.host.url, {
      locale: 'fr-FR',
      colorScheme: 'dark',
    });
    await chatRow(aliceFr, 'Club du dimanche').click();
    await visible(
      systemLine(
        aliceFr,
        'Vous avez renommé le groupe « Club de lecture » en « Club du dimanche ».',
      ),
    );
    // The chat list's preview of that line is French too, without a "Vous :" before it.
    const preview = chatRow(aliceFr, 'Club du dimanche').locator('.chat-row-preview');
    await visible(preview.filter({ hasText: 'Vous avez renommé le groupe' }));
    expect(await preview.innerText()).not.toMatch(/renamed|Vous :/);
    await screenshot(aliceFr, 'localised-lines-group-own-fr-dark');

    // Bob, in German.
    const { page: bobDe } = await openPage(browser, bob.host.url, { locale: 'de-DE' });
    await chatRow(bobDe, 'Club du dimanche').click();
    await visible(systemLine(bobDe, 'Alice hat die Gruppe in „Club du dimanche“ umbenannt.'));

    expect(axe.failing()).toEqual([]);
  });
});
