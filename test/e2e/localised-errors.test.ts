/**
 * The core's sentences in the UI's language: in a French UI a wrong password at setup and a
 * message the server refuses read in French, and the same failed message reads in German in a
 * German UI. Real core behind a real web host, the real mail server.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHost } from '../../main/web/server.ts';
import { mailServer } from '../mailserver/index.ts';
import type { MailServer } from '../mailserver/index.ts';
import { launchAppBrowser, openPage, screenshot } from './browser.ts';
import { AccessibilityLog, chatRow, startPerson, stopPeople, visible } from './ui-steps.ts';
import type { Person } from './ui-steps.ts';

/** Onboarding in French with the advanced form: explicit IMAP and SMTP servers on loopback. */
async function fillFrenchOnboarding(
  page: Page,
  server: MailServer,
  address: string,
  password: string,
) {
  const { info } = server;
  await page.getByLabel('Adresse e-mail').fill(address);
  await page.getByLabel('Mot de passe', { exact: true }).fill(password);
  if (!(await page.getByRole('group', { name: 'Courrier entrant (IMAP)' }).isVisible())) {
    await page.getByRole('button', { name: 'Paramètres avancés' }).click();
  }
  const imap = page.getByRole('group', { name: 'Courrier entrant (IMAP)' });
  await imap.getByLabel('Serveur').fill(info.host);
  await imap.getByLabel('Port').fill(String(info.ports.imaps));
  await imap.getByLabel('Sécurité').selectOption('tls');
  const smtp = page.getByRole('group', { name: 'Courrier sortant (SMTP)' });
  await smtp.getByLabel('Serveur').fill(info.host);
  await smtp.getByLabel('Port').fill(String(info.ports.smtps));
  await smtp.getByLabel('Sécurité').selectOption('tls');
  await page.getByRole('button', { name: 'Se connecter' }).click();
}

describe('core sentences in the French and German UI', () => {
  let server: MailServer;
  let browser: Browser;
  let people: Person[] = [];
  let lucie: Person | undefined;
  const axe = new AccessibilityLog();

  beforeAll(async () => {
    server = mailServer();
    browser = await launchAppBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await stopPeople(people);
  });

  it('a wrong password and a refused message read in French, the refusal in German too', async () => {
    const person = await startPerson(server, browser, 'lucie.le');
    people = [person];
    lucie = person;
    await person.page.context().close();
    const { page } = await openPage(browser, person.host.url, { locale: 'fr-FR' });
    const { host } = server.info;
    const address = person.user.address;

    await fillFrenchOnboarding(page, server, address, 'pas le bon mot de passe');
    const alert = page.getByRole('alert').filter({ hasText: 'a refusé le mot de passe' });
    await visible(alert);
    expect(await alert.textContent()).toBe(
      `Le serveur IMAP ${host} a refusé le mot de passe de ${address}. Vérifiez le mot de passe ; certains fournisseurs exigent un mot de passe d’application pour les logiciels de messagerie.`,
    );
    await axe.check(page, 'setup-wrong-password-fr');
    await screenshot(page, 'localised-errors-setup-fr-light');

    await fillFrenchOnboarding(page, server, address, person.user.password);
    await page
      .getByRole('button', { name: 'Nouvelle discussion' })
      .first()
      .waitFor({ timeout: 60_000 });

    const nobody = `personne-${Date.now()}@${server.info.domain}`;
    await page.getByRole('button', { name: 'Nouvelle discussion' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Nouvelle discussion' });
    await dialog.getByLabel('Adresse e-mail').fill(nobody);
    await dialog.getByRole('button', { name: 'Commencer la discussion' }).click();
    await dialog.waitFor({ state: 'detached' });
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('Il y a quelqu’un ?');
    await box.press('Enter');
    const failed = page.locator('.message[data-send-problem="failed"] .failed-line');
    await visible(failed.filter({ hasText: `${host} a refusé le message : ` }));
    expect(await failed.textContent()).toMatch(/User unknown/);
    await axe.check(page, 'failed-message-fr');
    await screenshot(page, 'localised-errors-failed-fr-light');

    const german = await openPage(browser, person.host.url, {
      locale: 'de-DE',
      colorScheme: 'dark',
    });
    await chatRow(german.page, nobody).click();
    await visible(
      german.page
        .locator('.message[data-send-problem="failed"] .failed-line')
        .filter({ hasText: `${host} hat die Nachricht abgelehnt: ` }),
    );
    await screenshot(german.page, 'localised-errors-failed-de-dark');
    await german.context.close();
    expect(axe.failing()).toEqual([]);
  });

  it('the offline line says why in French', async () => {
    if (!lucie) throw new Error('needs the account of the first test');
    // The same account on a device that does not trust the mail server's certificate.
    await lucie.host.close();
    const host = await startWebHost({
      port: 0,
      dataDir: lucie.dataDir,
      coreOptions: { trustedCertificates: [] },
    });
    people = [{ ...lucie, host }];
    for (const colorScheme of ['light', 'dark'] as const) {
      const { context, page } = await openPage(browser, host.url, { locale: 'fr-FR', colorScheme });
      const reason = page.locator('.connectivity-reason p');
      await visible(reason.filter({ hasText: 'n’est pas signé par une autorité' }), 60_000);
      expect(await reason.textContent()).toMatch(
        /^Le certificat de 127\.0\.0\.1 \(port \d+\) n’est pas signé par une autorité à laquelle Estafette fait confiance/,
      );
      await axe.check(page, `offline-fr-${colorScheme}`);
      await screenshot(page, `localised-errors-offline-fr-${colorScheme}`);
      await context.close();
    }
    expect(axe.failing()).toEqual([]);
  });
});
