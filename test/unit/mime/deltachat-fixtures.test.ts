import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mergeProtected, parseMail } from '../../../main/core/mime/parse.ts';

// Real messages sent by Delta Chat 2.57 (outer as delivered, inner as decrypted).
const dir = new URL('../../fixtures/deltachat-2.57/', import.meta.url);
const read = (name: string): Buffer => readFileSync(new URL(name, dir));

type Expected = {
  from: { addr: string; name?: string };
  to: string[];
  subject: string;
  text: string;
  chat: Record<string, string>;
  autocrypt: boolean;
  gossip: string[];
};

const ALICE = { addr: 'alice@chat.test', name: 'Alice' };
const encrypted: Record<string, Expected> = {
  'encrypted-1to1': {
    from: ALICE,
    to: ['bob@chat.test'],
    subject: 'Message from Alice',
    text: 'A->B #0 ü€ 😀',
    chat: { 'chat-version': '1.0', 'chat-disposition-notification-to': 'alice@chat.test' },
    autocrypt: true,
    gossip: [],
  },
  'encrypted-group': {
    from: ALICE,
    to: ['carol@chat.test', 'bob@chat.test'],
    subject: 'Re: dc interop group',
    text: 'hello group from Alice',
    chat: {
      'chat-version': '1.0',
      'chat-disposition-notification-to': 'alice@chat.test',
      'chat-group-id': 'aAcZPFNC9gaUsJ9Oz2D2Ipgl',
      'chat-group-name': 'dc interop group',
      'chat-group-name-timestamp': '1795373924',
      'chat-group-member-timestamps': '1795373924 1795373922',
      'chat-group-member-fpr':
        'D5C15B55F222D8369716312D255952C13816698C 1DE1554371F8F0F12B6E6F5A85263266CC6B8844',
    },
    autocrypt: true,
    gossip: [],
  },
  'securejoin-vc-request-pubkey': {
    from: { addr: 'bob@chat.test' },
    to: [],
    subject: 'Secure-Join',
    text: 'Secure-Join',
    chat: { 'secure-join': 'vc-request-pubkey', 'secure-join-auth': 'hg7mBZ7uJWPodqp2kChA-mt5' },
    autocrypt: false,
    gossip: [],
  },
  'securejoin-vc-pubkey': {
    from: { addr: 'alice@chat.test' },
    to: [],
    subject: 'Secure-Join',
    text: 'Secure-Join',
    chat: { 'secure-join': 'vc-pubkey', 'secure-join-auth': 'hg7mBZ7uJWPodqp2kChA-mt5' },
    autocrypt: true,
    gossip: [],
  },
  'securejoin-vc-request-with-auth': {
    from: { addr: 'bob@chat.test', name: 'Bob' },
    to: ['alice@chat.test'],
    subject: 'Message from Bob',
    text: 'Secure-Join: vc-request-with-auth',
    chat: {
      'chat-version': '1.0',
      'secure-join': 'vc-request-with-auth',
      'secure-join-auth': 'hg7mBZ7uJWPodqp2kChA-mt5',
      'secure-join-fingerprint': '1DE1554371F8F0F12B6E6F5A85263266CC6B8844',
      'chat-user-avatar': '0',
    },
    autocrypt: true,
    gossip: ['alice@chat.test'],
  },
  'securejoin-vc-contact-confirm': {
    from: ALICE,
    to: ['bob@chat.test'],
    subject: 'Message from Alice',
    text: 'Secure-Join: vc-contact-confirm',
    chat: { 'chat-version': '1.0', 'secure-join': 'vc-contact-confirm', 'chat-user-avatar': '0' },
    autocrypt: true,
    gossip: ['bob@chat.test'],
  },
  'securejoin-vg-request-with-auth': {
    from: { addr: 'carol@chat.test', name: 'Carol' },
    to: ['alice@chat.test'],
    subject: 'Message from Carol',
    text: 'Secure-Join: vg-request-with-auth',
    chat: {
      'chat-version': '1.0',
      'secure-join': 'vg-request-with-auth',
      'secure-join-auth': 'S2zXKuCj7FDIFa_3_eEzZqao',
      'secure-join-fingerprint': 'D5C15B55F222D8369716312D255952C13816698C',
      'secure-join-group': 'aAcZPFNC9gaUsJ9Oz2D2Ipgl',
      'chat-user-avatar': '0',
    },
    autocrypt: true,
    gossip: ['alice@chat.test'],
  },
  'securejoin-vg-member-added': {
    from: ALICE,
    to: ['carol@chat.test', 'bob@chat.test'],
    subject: 'dc interop group',
    text: 'Member carol@chat.test was added.',
    chat: {
      'chat-version': '1.0',
      'chat-group-id': 'aAcZPFNC9gaUsJ9Oz2D2Ipgl',
      'chat-group-name': 'dc interop group',
      'chat-group-name-timestamp': '1795373924',
      'chat-group-member-added': 'carol@chat.test',
      'chat-group-member-added-fpr': 'D5C15B55F222D8369716312D255952C13816698C',
      'chat-group-member-timestamps': '1795373924 1795373922',
      'chat-group-member-fpr':
        'D5C15B55F222D8369716312D255952C13816698C 1DE1554371F8F0F12B6E6F5A85263266CC6B8844',
      'chat-group-description': '',
      'chat-group-description-timestamp': '1795373924',
      'secure-join': 'vg-member-added',
      'chat-user-avatar': '0',
    },
    autocrypt: true,
    gossip: ['carol@chat.test', 'bob@chat.test'],
  },
};

describe('Delta Chat 2.57 encrypted messages', () => {
  for (const [name, want] of Object.entries(encrypted)) {
    describe(name, () => {
      it('the outer message is detected as OpenPGP and yields the armored text', async () => {
        const raw = read(`${name}.eml`);
        const outer = await parseMail(raw);
        const armor = /-----BEGIN PGP MESSAGE-----[\s\S]*?-----END PGP MESSAGE-----/.exec(
          raw.toString(),
        )?.[0];

        expect(outer.encrypted?.armored).toBe(armor);
        expect(outer.subject).toBe('[...]');
        expect(outer.from).toEqual({ addr: want.from.addr });
        expect(outer.to).toEqual([]);
        expect(outer.attachments).toEqual([]);
        expect(outer.text).toBe('');
        expect(outer.autocrypt).toEqual([]);
        expect(outer.problems).toEqual([]);
        // Delta Chat still writes Chat-Version outside; outside the encryption it counts for nothing.
        expect(outer.chat).toEqual({ headers: {} });
      });

      it('the decrypted payload carries the protected headers', async () => {
        const inner = await parseMail(read(`${name}.inner.eml`));

        expect(inner.protectedHeaders).toBe(true);
        expect(inner.problems).toEqual([]);
        expect(inner.from).toEqual(want.from);
        expect(inner.to.map((t) => t.addr)).toEqual(want.to);
        expect(inner.subject).toBe(want.subject);
        expect(inner.text).toBe(want.text);
        expect(inner.chat.headers).toEqual(want.chat);
        expect(inner.chat.version).toBe(want.chat['chat-version']);
        expect(inner.chat.secureJoin).toBe(want.chat['secure-join']);
        expect(inner.autocrypt).toHaveLength(want.autocrypt ? 1 : 0);
        for (const value of inner.autocrypt) {
          expect(value).toMatch(
            new RegExp(`^addr=${want.from.addr}; prefer-encrypt=mutual; keydata=`),
          );
        }
        expect(inner.gossip.map((g) => /^addr=([^;]+);/.exec(g)?.[1])).toEqual(want.gossip);
        // Keydata is base64 once the folding whitespace is gone.
        for (const value of [...inner.autocrypt, ...inner.gossip]) {
          const keydata = (/keydata=([\s\S]*)$/.exec(value)?.[1] ?? '').replace(/\s+/g, '');
          expect(keydata).toMatch(/^[A-Za-z0-9+/]+=*$/);
          expect(Buffer.from(keydata, 'base64').length).toBeGreaterThan(200);
        }
        expect(inner.headers.get('hp-outer')?.[0]).toBe(`From: <${want.from.addr}>`);
      });

      it('merging keeps only the protected view', async () => {
        const outer = await parseMail(read(`${name}.eml`));
        const inner = await parseMail(read(`${name}.inner.eml`));
        const merged = mergeProtected(outer, inner);

        expect(merged.messageId).toBe(outer.messageId);
        expect(merged.subject).toBe(want.subject);
        expect(merged.from).toEqual(want.from);
        // The outer Date is randomized; the real one is inside.
        expect(merged.date).toEqual(inner.date);
        expect(merged.date).not.toEqual(outer.date);
        expect(merged.headers.get('subject')).toEqual([want.subject]);
        expect(merged.chat.headers).toEqual(want.chat);
        expect(merged.problems).toEqual([]);
      });
    });
  }
});

describe('Delta Chat 2.57 cleartext messages', () => {
  it('a first message is a readable chat message with Autocrypt', async () => {
    const parsed = await parseMail(read('unencrypted-first.eml'));
    expect(parsed.encrypted).toBeUndefined();
    expect(parsed.protectedHeaders).toBe(false);
    expect(parsed.from).toEqual({ addr: 'alice@chat.test', name: 'Alice' });
    expect(parsed.to).toEqual([{ addr: 'carol@chat.test' }]);
    expect(parsed.subject).toBe('Message from Alice');
    expect(parsed.text).toBe('plaintext #1 (recipient has force_encryption=1)');
    expect(parsed.chat.version).toBe('1.0');
    expect(parsed.chat.headers['chat-disposition-notification-to']).toBe('alice@chat.test');
    expect(parsed.autocrypt).toHaveLength(1);
    expect(parsed.messageId).toBe('6fda0692-c412-4b08-8c67-2aa4248d35e5@localhost');
    expect(parsed.references).toEqual(['6fda0692-c412-4b08-8c67-2aa4248d35e5@localhost']);
    expect(parsed.problems).toEqual([]);
  });

  it('a reply threads to the messages before it', async () => {
    const parsed = await parseMail(read('unencrypted-reply.eml'));
    expect(parsed.from).toEqual({ addr: 'carol@chat.test', name: 'Carol' });
    expect(parsed.to).toEqual([{ addr: 'alice@chat.test', name: 'Alice' }]);
    expect(parsed.inReplyTo).toBe('ad670e83-6331-4411-b7cd-df1429398a96@localhost');
    expect(parsed.references).toEqual([
      '6fda0692-c412-4b08-8c67-2aa4248d35e5@localhost',
      'ad670e83-6331-4411-b7cd-df1429398a96@localhost',
    ]);
    expect(parsed.text).toBe('plaintext reply');
    expect(parsed.autocrypt[0]).toMatch(/^addr=carol@chat\.test; prefer-encrypt=mutual; keydata=/);
  });
});
