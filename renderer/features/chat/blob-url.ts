/**
 * Attachment content as blob: URLs, fetched once with getBlob and shared by every view of the
 * same blob. URLs nobody shows any more are revoked when the cache grows past its bound.
 */
import { useEffect, useState } from 'react';
import type { Runtime } from '../../runtime/runtime.ts';

interface Entry {
  promise: Promise<string>;
  url: string | null;
  users: number;
}

const MAX_UNUSED = 60;
const cache = new Map<string, Entry>();

// The content type comes from the sender. A blob: URL belongs to our own origin, so anything
// that could render as a document (HTML, SVG, XML, PDF) is typed as opaque bytes: opened by
// mistake it downloads instead of running in the app's origin.
const RENDERABLE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

function decode(base64: string, contentType: string): Blob {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const type = contentType.toLowerCase();
  return new Blob([bytes], { type: RENDERABLE.has(type) ? type : 'application/octet-stream' });
}

function trim(): void {
  const unused = [...cache.entries()].filter(([, e]) => e.users === 0 && e.url);
  for (const [key, entry] of unused.slice(0, Math.max(0, unused.length - MAX_UNUSED))) {
    if (entry.url) URL.revokeObjectURL(entry.url);
    cache.delete(key);
  }
}

export function fetchBlobUrl(runtime: Runtime, accountId: number, blob: string): Promise<string> {
  const key = `${accountId}:${blob}`;
  let entry = cache.get(key);
  if (!entry) {
    const created: Entry = {
      url: null,
      users: 0,
      promise: runtime.call('getBlob', { accountId, blob }).then((r) => {
        const url = URL.createObjectURL(decode(r.dataBase64, r.contentType));
        created.url = url;
        return url;
      }),
    };
    created.promise.catch(() => cache.delete(key));
    cache.set(key, created);
    entry = created;
  }
  return entry.promise;
}

/** The blob: URL of an attachment, or null while it loads; `error` when it cannot be loaded. */
export function useBlobUrl(
  runtime: Runtime,
  accountId: number,
  blob: string,
): { url: string | null; error: boolean } {
  const [state, setState] = useState<{ url: string | null; error: boolean }>(() => ({
    url: cache.get(`${accountId}:${blob}`)?.url ?? null,
    error: false,
  }));
  useEffect(() => {
    const key = `${accountId}:${blob}`;
    let current = true;
    fetchBlobUrl(runtime, accountId, blob).then(
      (url) => current && setState({ url, error: false }),
      () => current && setState({ url: null, error: true }),
    );
    const entry = cache.get(key);
    if (entry) entry.users++;
    return () => {
      current = false;
      const e = cache.get(key);
      if (e) e.users--;
      trim();
    };
  }, [runtime, accountId, blob]);
  return state;
}
