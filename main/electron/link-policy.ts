/**
 * Which links leave the app, and when the user is asked first: only http, https and mailto;
 * a confirmation the first time a host is opened, and always for links that hide their host.
 */
import { z } from 'zod';
import { readJsonFile, writeJsonFile } from './json-file.ts';

const ALLOWED_SCHEMES = new Set(['http:', 'https:', 'mailto:']);
const MAX_LINK_LENGTH = 4096;
const MAX_KNOWN_HOSTS = 2000;

/** A link the app may hand to the operating system. */
export interface ExternalLink {
  url: URL;
  /** Host in ASCII (punycode), so look-alike names show what they are; null for mailto. */
  host: string | null;
  /** The link carries a user name or password before its host ("https://bank@evil/"). */
  hidesHost: boolean;
}

/** Parse a link from the renderer; null when it may not leave the app. */
export function parseExternalLink(raw: unknown): ExternalLink | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_LINK_LENGTH) return null;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return null;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (!ALLOWED_SCHEMES.has(url.protocol)) return null;
  if (url.protocol === 'mailto:') return { url, host: null, hidesHost: false };
  if (url.hostname === '') return null;
  return { url, host: url.hostname, hidesHost: url.username !== '' || url.password !== '' };
}

/** Whether opening this link needs the user's confirmation first. */
export function needsConfirmation(link: ExternalLink, known: ReadonlySet<string>): boolean {
  if (link.host === null) return false;
  return link.hidesHost || !known.has(link.host);
}

const KnownHostsFile = z.object({ hosts: z.array(z.string().max(253)).max(MAX_KNOWN_HOSTS) });

/** Hosts the user has already agreed to open, kept in a JSON file. */
export class KnownHosts {
  readonly file: string;
  private hosts: Set<string> | null = null;

  constructor(file: string) {
    this.file = file;
  }

  /** The hosts opened before. */
  async load(): Promise<ReadonlySet<string>> {
    this.hosts ??= new Set((await readJsonFile(this.file, KnownHostsFile, { hosts: [] })).hosts);
    return this.hosts;
  }

  /** Remember a host the user agreed to open. */
  async add(host: string): Promise<void> {
    const hosts = new Set(await this.load());
    hosts.add(host);
    const list = [...hosts].slice(-MAX_KNOWN_HOSTS);
    this.hosts = new Set(list);
    await writeJsonFile(this.file, { hosts: list });
  }
}
