/**
 * Thunderbird autoconfig (clientConfig v1.1): where to look for a domain's settings, and how to
 * read what comes back. The XML arrives from the network, so it is treated as hostile: size
 * capped, DOCTYPE refused (no entity expansion at all), every value checked before use.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { CoreError } from '../errors.ts';
import { normalizeHost, parseEmailAddress } from './server-settings.ts';
import type { EmailAddressParts, ServerEndpoint } from './server-settings.ts';

/** The usable servers of one autoconfig document, in the provider's order of preference. */
export type AutoconfigResult = {
  imap: ServerEndpoint[];
  smtp: ServerEndpoint[];
};

/** The part of `fetch` autoconfig needs; the global `fetch` fits, tests may pass their own. */
export type AutoconfigFetch = (url: string, init: RequestInit) => Promise<Response>;

export type AutoconfigUrlOptions = {
  /**
   * Also ask Thunderbird's ISPDB. Off by default: it tells a third party (autoconfig.thunderbird.net)
   * which domain the user's address is at, and we make no third-party call without consent.
   */
  useIspdb?: boolean;
};

export type FetchAutoconfigOptions = {
  fetch?: AutoconfigFetch;
  /** Whole request, redirects included. Default 15 s. */
  timeoutMs?: number;
  /** Largest document accepted. Default 1 MB. */
  maxBytes?: number;
  /** Accept an http: URL. Only for URLs the caller listed explicitly (tests, a local provider). */
  allowHttp?: boolean;
  signal?: AbortSignal;
};

export const AUTOCONFIG_MAX_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_REDIRECTS = 3;

/** The URLs to try for an address, in order (chatmail core's order, Autodiscover left out). */
export function autoconfigUrls(address: string, options: AutoconfigUrlOptions = {}): string[] {
  const { address: addr, domain } = parseEmailAddress(address);
  const urls = [
    `https://autoconfig.${domain}/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(addr)}`,
    `https://${domain}/.well-known/autoconfig/mail/config-v1.1.xml`,
  ];
  if (options.useIspdb === true) urls.push(`https://autoconfig.thunderbird.net/v1.1/${domain}`);
  return urls;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Entities are never expanded by the parser; the five predefined ones are decoded below.
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: 32,
  // Every element becomes an array, so one entry and several entries read the same way.
  isArray: (_name, _path, _isLeaf, isAttribute) => !isAttribute,
});

const socketTypes: Record<string, 'tls' | 'starttls' | undefined> = {
  SSL: 'tls',
  TLS: 'tls',
  STARTTLS: 'starttls',
};

// Older files say "plain" or "secure" for what v1.1 calls password-cleartext/-encrypted.
const passwordMethods = new Set(['password-cleartext', 'password-encrypted', 'plain', 'secure']);

function fail(sentence: string, cause?: unknown): never {
  throw new CoreError('autoconfig_failed', sentence, cause === undefined ? undefined : { cause });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function children(node: unknown, name: string): unknown[] {
  if (!isRecord(node) || !Object.hasOwn(node, name)) return [];
  const value = node[name];
  return Array.isArray(value) ? value : [value];
}

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});/g, (all, name) => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (typeof name !== 'string') return all;
    if (Object.hasOwn(named, name)) return named[name] ?? all;
    const code = name.startsWith('#x') ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}

function textOf(node: unknown): string | undefined {
  if (typeof node === 'string') return decodeEntities(node).trim();
  if (isRecord(node) && typeof node['#text'] === 'string')
    return decodeEntities(node['#text']).trim();
  if (isRecord(node)) return '';
  return undefined;
}

function firstText(node: unknown, name: string): string | undefined {
  return textOf(children(node, name)[0]);
}

function substitute(template: string, parts: EmailAddressParts): string {
  return template
    .replaceAll('%EMAILADDRESS%', parts.address)
    .replaceAll('%EMAILLOCALPART%', parts.localPart)
    .replaceAll('%EMAILDOMAIN%', parts.domain);
}

function readServer(node: unknown, parts: EmailAddressParts): ServerEndpoint | null {
  const rawHost = firstText(node, 'hostname');
  const rawPort = firstText(node, 'port');
  const socketType = firstText(node, 'socketType');
  if (rawHost === undefined || rawPort === undefined || socketType === undefined) return null;

  // "plain" (or anything unknown) is skipped: discovery never picks an unencrypted connection.
  const security = socketTypes[socketType.toUpperCase()];
  if (security === undefined) return null;

  const host = normalizeHost(substitute(rawHost, parts));
  if (host === null) return null;

  if (!/^[0-9]{1,5}$/.test(rawPort)) return null;
  const port = Number(rawPort);
  if (port < 1 || port > 65535) return null;

  // We log in with a password only; an entry that offers only OAuth2, NTLM, client
  // certificates etc. is of no use to us.
  const methods = children(node, 'authentication').map((m) => textOf(m) ?? '');
  if (methods.length > 0 && !methods.some((m) => passwordMethods.has(m.toLowerCase()))) {
    return null;
  }

  const rawUser = firstText(node, 'username');
  const user = rawUser === undefined || rawUser === '' ? parts.address : substitute(rawUser, parts);
  if (user.length > 320 || /[\r\n\0]/.test(user)) return null;

  return { host, port, security, user };
}

function dedupe(servers: ServerEndpoint[]): ServerEndpoint[] {
  const seen = new Set<string>();
  return servers.filter((s) => {
    const key = `${s.host}\n${s.port}\n${s.security}\n${s.user}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Reads a clientConfig document for an address; throws autoconfig_failed when it is unusable. */
export function parseAutoconfigXml(xml: string, address: string): AutoconfigResult {
  const parts = parseEmailAddress(address);
  if (Buffer.byteLength(xml, 'utf8') > AUTOCONFIG_MAX_BYTES) {
    fail('The mail settings document is larger than 1 MB, so Estafette did not read it.');
  }
  // Autoconfig files never need a DTD; refusing one rules out entity-expansion attacks outright.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    fail('The mail settings document contains a DOCTYPE declaration, which Estafette refuses.');
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    fail(`The mail settings document is not well-formed XML (line ${valid.err.line}).`);
  }
  let tree: unknown;
  try {
    tree = parser.parse(xml);
  } catch (e) {
    fail('The mail settings document could not be read as XML.', e);
  }
  const config = children(tree, 'clientConfig')[0];
  if (config === undefined) {
    fail('The document is not a mail settings document (it has no clientConfig element).');
  }
  // Thunderbird reads the first provider only; so do we.
  const provider = children(config, 'emailProvider')[0];
  if (provider === undefined) {
    fail('The mail settings document names no email provider.');
  }

  const imap: ServerEndpoint[] = [];
  const smtp: ServerEndpoint[] = [];
  for (const node of children(provider, 'incomingServer')) {
    if (!isRecord(node) || String(node['@_type']).toLowerCase() !== 'imap') continue;
    const server = readServer(node, parts);
    if (server) imap.push(server);
  }
  for (const node of children(provider, 'outgoingServer')) {
    if (!isRecord(node) || String(node['@_type']).toLowerCase() !== 'smtp') continue;
    const server = readServer(node, parts);
    if (server) smtp.push(server);
  }
  if (imap.length === 0) {
    fail(
      `The mail settings for ${parts.domain} list no IMAP server that Estafette can use with a password over an encrypted connection.`,
    );
  }
  return { imap: dedupe(imap), smtp: dedupe(smtp) };
}

function describe(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function checkScheme(url: URL, allowHttp: boolean): void {
  if (url.protocol === 'https:' || (allowHttp && url.protocol === 'http:')) return;
  fail(`Estafette fetches mail settings over HTTPS only and did not open ${describe(url)}.`);
}

async function readCapped(response: Response, maxBytes: number, where: string): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    fail(
      `The mail settings at ${where} are larger than ${maxBytes} bytes; Estafette ignored them.`,
    );
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      fail(
        `The mail settings at ${where} are larger than ${maxBytes} bytes; Estafette ignored them.`,
      );
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
}

/** Fetches and parses one autoconfig URL; throws autoconfig_failed (or timeout) when it gives nothing usable. */
export async function fetchAutoconfig(
  url: string,
  address: string,
  options: FetchAutoconfigOptions = {},
): Promise<AutoconfigResult> {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = Math.min(options.maxBytes ?? AUTOCONFIG_MAX_BYTES, AUTOCONFIG_MAX_BYTES);
  const allowHttp = options.allowHttp === true;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;

  let current: URL;
  try {
    current = new URL(url);
  } catch (e) {
    fail(`"${url}" is not a URL.`, e);
  }
  checkScheme(current, allowHttp);
  // A redirect never downgrades to http; it may stay on http only when the listed URL was http.
  const httpForRedirects = allowHttp && current.protocol === 'http:';

  try {
    for (let redirects = 0; ; redirects++) {
      const where = describe(current);
      const response = await doFetch(current.href, {
        method: 'GET',
        redirect: 'manual',
        signal,
        headers: { accept: 'application/xml, text/xml;q=0.9, */*;q=0.1' },
        // No cookies, no referrer: the lookup should tell the server as little as possible.
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel();
        const location = response.headers.get('location');
        if (location === null || redirects >= MAX_REDIRECTS) {
          fail(`The mail settings lookup at ${where} redirected too often or nowhere.`);
        }
        current = new URL(location, current);
        checkScheme(current, httpForRedirects);
        continue;
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        fail(`No mail settings were found at ${where} (the server answered ${response.status}).`);
      }
      const xml = await readCapped(response, maxBytes, where);
      return parseAutoconfigXml(xml, address);
    }
  } catch (e) {
    if (e instanceof CoreError) throw e;
    if (timeout.aborted) {
      throw new CoreError(
        'timeout',
        `The mail settings lookup at ${describe(current)} took longer than ${Math.round(timeoutMs / 1000)} seconds.`,
        { cause: e },
      );
    }
    fail(`The mail settings could not be fetched from ${describe(current)}.`, e);
  }
}
