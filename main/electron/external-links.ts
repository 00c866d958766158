/**
 * Opening links outside the app: only http, https and mailto (link-policy.ts), in the user's
 * browser or mail program, after a confirmation for a host not opened before.
 */
import { dialog, shell } from 'electron';
import type { BrowserWindow, MessageBoxOptions } from 'electron';
import { KnownHosts, needsConfirmation, parseExternalLink } from './link-policy.ts';
import type { ExternalLink } from './link-policy.ts';

const SHOWN_URL_LENGTH = 300;

/** A function that opens links safely; `knownHostsFile` remembers the confirmed hosts. */
export function createLinkOpener(
  knownHostsFile: string,
  parentWindow: () => BrowserWindow | null,
): (url: string) => Promise<void> {
  const known = new KnownHosts(knownHostsFile);
  return async (raw) => {
    const link = parseExternalLink(raw);
    if (link === null) return;
    if (needsConfirmation(link, await known.load())) {
      if (!(await confirm(link, parentWindow()))) return;
      if (link.host !== null && !link.hidesHost) await known.add(link.host);
    }
    await shell.openExternal(link.url.href);
  };
}

async function confirm(link: ExternalLink, parent: BrowserWindow | null): Promise<boolean> {
  const href = link.url.href;
  const shown = href.length > SHOWN_URL_LENGTH ? `${href.slice(0, SHOWN_URL_LENGTH)}…` : href;
  const options: MessageBoxOptions = {
    type: link.hidesHost ? 'warning' : 'question',
    buttons: ['Open in browser', 'Cancel'],
    defaultId: 1,
    cancelId: 1,
    noLink: true,
    title: 'Open link',
    message: link.hidesHost
      ? `This link goes to ${link.host}, not where its beginning suggests.`
      : `Open a link to ${link.host}?`,
    detail: `${shown}\n\nYou have not opened links to this site from Estafette before.`,
  };
  const { response } =
    parent === null
      ? await dialog.showMessageBox(options)
      : await dialog.showMessageBox(parent, options);
  return response === 0;
}
