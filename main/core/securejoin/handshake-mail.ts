/**
 * The mail of the SecureJoin steps, shaped like Delta Chat 2.57's (fixtures/deltachat-2.57):
 * password-encrypted v3 first steps, the cleartext classic request, and the steps encrypted to
 * the peer's key that carry Autocrypt-Gossip of the peer's own key (Delta Chat ignores the later
 * steps without it: its check against surreptitious forwarding).
 */
import type { PublicKey } from 'openpgp';
import type { AccountContext } from '../account/context.ts';
import {
  composeEncryptedOuter,
  composeInner,
  newMessageId,
  randomizedOuterDate,
} from '../mime/compose.ts';
import type { MailAddress } from '../mime/types.ts';
import { encryptAndSign, encryptWithPassword } from '../crypto/pgp.ts';
import { formatAutocryptHeader, formatGossipHeader } from '../crypto/autocrypt.ts';
import { keydataOf } from '../crypto/keys.ts';

/** Ready-made mail for the outbox. */
export interface HandshakeMail {
  raw: Buffer;
  recipients: string[];
  label: string;
  messageId: string;
}

/** The steps that travel encrypted to the peer's key. */
export type KeyEncryptedStep =
  | 'vc-auth-required'
  | 'vg-auth-required'
  | 'vc-request-with-auth'
  | 'vg-request-with-auth'
  | 'vc-contact-confirm';

function ownAutocrypt(ctx: AccountContext): string {
  return formatAutocryptHeader({
    addr: ctx.addr,
    keydata: keydataOf(ctx.keys.public),
    preferEncrypt: 'mutual',
  });
}

/**
 * vc-request-pubkey (joiner, unsigned, no key) or vc-pubkey (inviter, signed, with our
 * Autocrypt key), encrypted with the invite's shared password and hidden recipients.
 */
export async function composePasswordStep(
  ctx: AccountContext,
  p: { step: 'vc-request-pubkey' | 'vc-pubkey'; to: string; auth: string; password: string },
): Promise<HandshakeMail> {
  const messageId = newMessageId();
  const date = new Date(ctx.now());
  const outerDate = randomizedOuterDate(date);
  const withKey = p.step === 'vc-pubkey';
  const inner = await composeInner(
    {
      from: { addr: ctx.addr },
      to: [],
      subject: 'Secure-Join',
      date,
      messageId,
      text: 'Secure-Join',
      chatHeaders: { 'Secure-Join': p.step, 'Secure-Join-Auth': p.auth },
      autocrypt: withKey ? ownAutocrypt(ctx) : undefined,
    },
    { protectedHeaders: true, outerDate },
  );
  const armored = await encryptWithPassword({
    data: inner,
    password: p.password,
    signingKey: withKey ? ctx.keys.secret : undefined,
    date,
  });
  const raw = await composeEncryptedOuter({ from: ctx.addr, messageId, date: outerDate, armored });
  return { raw, recipients: [p.to], label: `SecureJoin ${p.step}`, messageId };
}

/** The classic first step, in clear with our Autocrypt key: vc-request or vg-request. */
export async function composeCleartextRequest(
  ctx: AccountContext,
  p: { step: 'vc-request' | 'vg-request'; to: MailAddress; invitenumber: string },
): Promise<HandshakeMail> {
  const messageId = newMessageId();
  const name = ctx.displayName();
  const raw = await composeInner(
    {
      from: { addr: ctx.addr, name: name || undefined },
      to: [p.to],
      subject: `Message from ${name || ctx.addr}`,
      date: new Date(ctx.now()),
      messageId,
      text: `Secure-Join: ${p.step}`,
      chatHeaders: { 'Secure-Join': p.step, 'Secure-Join-Invitenumber': p.invitenumber },
      autocrypt: ownAutocrypt(ctx),
    },
    { protectedHeaders: false },
  );
  return { raw, recipients: [p.to.addr], label: `SecureJoin ${p.step}`, messageId };
}

/**
 * A step encrypted to the peer's key and signed by ours, with our Autocrypt key and gossip of the
 * peer's key; `headers` adds Secure-Join-Auth, -Fingerprint, -Group as the step needs.
 */
export async function composeKeyEncryptedStep(
  ctx: AccountContext,
  p: {
    step: KeyEncryptedStep;
    to: MailAddress;
    toKey: PublicKey;
    headers?: Record<string, string>;
    references?: string;
  },
): Promise<HandshakeMail> {
  const messageId = newMessageId();
  const date = new Date(ctx.now());
  const outerDate = randomizedOuterDate(date);
  const name = ctx.displayName();
  const inner = await composeInner(
    {
      from: { addr: ctx.addr, name: name || undefined },
      to: [p.to],
      subject: `Message from ${name || ctx.addr}`,
      date,
      messageId,
      references: p.references ? [p.references] : undefined,
      text: `Secure-Join: ${p.step}`,
      chatHeaders: { 'Secure-Join': p.step, ...p.headers },
      autocrypt: ownAutocrypt(ctx),
      gossip: [formatGossipHeader({ addr: p.to.addr, keydata: keydataOf(p.toKey, p.to.addr) })],
    },
    { protectedHeaders: true, outerDate },
  );
  const armored = await encryptAndSign({
    data: inner,
    encryptionKeys: [p.toKey],
    signingKey: ctx.keys.secret,
    // No compression for SecureJoin, as Delta Chat: no side channel on the secrets.
    compress: false,
    date,
  });
  const raw = await composeEncryptedOuter({ from: ctx.addr, messageId, date: outerDate, armored });
  return { raw, recipients: [p.to.addr], label: `SecureJoin ${p.step}`, messageId };
}
