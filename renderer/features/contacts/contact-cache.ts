/** Contacts fetched on demand (sender names in group chats), once per session and account. */
import { useEffect, useState } from 'react';
import type { Contact } from '../../../shared/types.ts';
import type { Runtime } from '../../runtime/runtime.ts';

const cache = new Map<string, Promise<Contact>>();

export function forgetContact(accountId: number, contactId: number): void {
  cache.delete(`${accountId}:${contactId}`);
}

export function useContact(runtime: Runtime, accountId: number, contactId: number): Contact | null {
  const [contact, setContact] = useState<Contact | null>(null);
  useEffect(() => {
    const key = `${accountId}:${contactId}`;
    let promise = cache.get(key);
    if (!promise) {
      promise = runtime.call('getContact', { accountId, contactId });
      promise.catch(() => cache.delete(key));
      cache.set(key, promise);
    }
    let current = true;
    promise.then(
      (c) => current && setContact(c),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [runtime, accountId, contactId]);
  return contact;
}
