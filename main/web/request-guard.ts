/**
 * Who may talk to the web host: the right Host header (against DNS rebinding), no foreign Origin
 * (against other web pages), and the per-start token (cookie, `?token=` or a Bearer header).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export const TOKEN_COOKIE = 'estafette_token';

/** What the host accepts; built once the port is known. */
export interface AccessPolicy {
  token: string;
  port: number;
  /** Accepted `Host` values, lowercase `host:port`. */
  hosts: ReadonlySet<string>;
  /** Bound to every interface with remote access allowed: any IP literal with our port is ours. */
  anyIpHost: boolean;
}

export type Verdict =
  { ok: true; tokenFromQuery: boolean } | { ok: false; status: 401 | 403; text: string };

/** The `host:port` names under which a server bound to `bind` on `port` is reached. */
export function hostsFor(bind: string, port: number): Set<string> {
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  if (!isWildcard(bind))
    hosts.add(`${isIP(bind) === 6 ? `[${bind}]` : bind.toLowerCase()}:${port}`);
  return hosts;
}

/** Whether an address means "every interface". */
export function isWildcard(bind: string): boolean {
  return bind === '0.0.0.0' || bind === '::' || bind === '[::]';
}

/** Whether an address is reachable only from this machine. */
export function isLoopback(bind: string): boolean {
  const b = bind.toLowerCase();
  return b === 'localhost' || b === '::1' || b === '[::1]' || /^127(\.\d{1,3}){3}$/.test(b);
}

/** Check one HTTP request or WebSocket upgrade against the policy. */
export function checkRequest(req: IncomingMessage, policy: AccessPolicy): Verdict {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!isOurHost(host, policy)) {
    return {
      ok: false,
      status: 403,
      text: 'Estafette refuses this request: unexpected Host header.',
    };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !isOurOrigin(origin, policy)) {
    return { ok: false, status: 403, text: 'Estafette refuses requests from other web pages.' };
  }
  const query = tokenFromQuery(req.url ?? '/');
  if (query !== null && tokenMatches(query, policy.token))
    return { ok: true, tokenFromQuery: true };
  const presented = [
    tokenFromCookie(req.headers.cookie),
    tokenFromBearer(req.headers.authorization),
  ];
  if (presented.some((t) => t !== null && tokenMatches(t, policy.token))) {
    return { ok: true, tokenFromQuery: false };
  }
  return {
    ok: false,
    status: 401,
    text: 'Estafette needs the token: open the address that `npm run web` printed.',
  };
}

/** Constant-time comparison of a presented token with the real one. */
export function tokenMatches(presented: string, token: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

function isOurHost(host: string, policy: AccessPolicy): boolean {
  if (policy.hosts.has(host)) return true;
  if (!policy.anyIpHost) return false;
  const suffix = `:${policy.port}`;
  if (!host.endsWith(suffix)) return false;
  const name = host.slice(0, -suffix.length);
  const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  return isIP(bare) !== 0;
}

function isOurOrigin(origin: string, policy: AccessPolicy): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes the opaque origin "null"
  }
  const hostPort = url.port === '' ? `${url.hostname}:80` : url.host;
  return url.protocol === 'http:' && url.origin === origin && isOurHost(hostPort, policy);
}

function tokenFromQuery(rawUrl: string): string | null {
  const q = rawUrl.indexOf('?');
  if (q < 0) return null;
  return new URLSearchParams(rawUrl.slice(q + 1)).get('token');
}

function tokenFromCookie(header: string | undefined): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === TOKEN_COOKIE) return part.slice(eq + 1).trim();
  }
  return null;
}

function tokenFromBearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1] ?? null;
}
