/**
 * Turning a stored outgoing message into the bytes SMTP sends: the chat's encryption decides,
 * and an encrypted chat never goes out in clear.
 */
import type { PublicKey } from 'openpgp';
import type { AccountContext } from '../account/context.ts';
import { CoreError } from '../errors.ts';
import { composeEncryptedOuter, composeInner, randomizedOuterDate } from '../mime/compose.ts';
import type { MailAddress, OutgoingMessage } from '../mime/types.ts';
import { formatAutocryptHeader, formatGossipHeader } from '../crypto/autocrypt.ts';
import { encryptAndSign } from '../crypto/pgp.ts';
import { keydataOf } from '../crypto/keys.ts';
import { encryptionKeyFor, verifiedKeyOf } from '../securejoin/verification.ts';
import { groupEnvelope } from './groups.ts';

export interface Composed {
  raw: Buffer;
  recipients: string[];
  encrypted: boolean;
}

/** Compose a message for sending; throws CoreError('encryption_required') rather than downgrade. */
export async function composeOutgoing(ctx: AccountContext, messageId: number): Promise<Composed> {
  const msg = ctx.messages.get(messageId);
  const chat = ctx.chats.flags(msg.chatId);
  // Groups: members, their timestamps and the change a system message announces (groups.ts).
  const group = chat.kind === 'group' ? await groupEnvelope(ctx, msg.chatId, msg.id) : null;
  const members = group
    ? group.recipients
    : ctx.chats
        .members(msg.chatId)
        .map((id) => ctx.contacts.get(id))
        .filter((c) => !c.isSelf);
  if (members.length === 0) {
    throw new CoreError('invalid_input', 'This chat has no one to send to.');
  }
  const to: MailAddress[] =
    group?.to ??
    members.map((c) => ({
      addr: c.addr,
      name: c.displayName !== c.addr ? c.displayName : undefined,
    }));

  // Keys for every recipient: the verified key, else the Autocrypt key, else gossip.
  const keyed: { addr: string; key: PublicKey }[] = [];
  let allHaveKeys = true;
  let allMutual = true;
  for (const c of members) {
    const peer = ctx.peers.lookup(c.addr);
    const key = await encryptionKeyFor(ctx, c);
    if (!key) allHaveKeys = false;
    else keyed.push({ addr: c.addr, key });
    const verified = verifiedKeyOf(ctx, c.id) !== null;
    if (!verified && (!peer || peer.preferEncrypt !== 'mutual' || !peer.publicKey)) {
      allMutual = false;
    }
  }
  // A group is always end-to-end encrypted: it never goes out in clear.
  const encrypt = group !== null || chat.encrypted || (allHaveKeys && allMutual);
  if (encrypt && !allHaveKeys) {
    const missing = members.filter((c) => !keyed.some((k) => k.addr === c.addr));
    throw new CoreError(
      'encryption_required',
      `This chat is end-to-end encrypted, but Estafette has no key for ${missing.map((c) => c.addr).join(', ')}. The message was not sent in clear.`,
    );
  }

  const attachments = [];
  for (const a of msg.attachments) {
    attachments.push({
      filename: a.filename,
      contentType: a.contentType,
      content: await ctx.blobs.get(a.blob),
    });
  }
  const name = ctx.displayName();
  const previous = ctx.messages.lastIncomingMid(msg.chatId, msg.id);
  const autocrypt = formatAutocryptHeader({
    addr: ctx.addr,
    keydata: keydataOf(ctx.keys.public),
    preferEncrypt: 'mutual',
  });
  const body = msg.kind === 'system' && group?.body ? group.body : msg.text;
  const out: OutgoingMessage = {
    from: { addr: ctx.addr, name: name || undefined },
    to,
    subject: group
      ? previous
        ? `Re: ${group.subject}`
        : group.subject
      : previous
        ? `Re: ${previous.subject ?? `Message from ${name || ctx.addr}`}`.replace(
            /^(Re: )+/,
            'Re: ',
          )
        : `Message from ${name || ctx.addr}`,
    date: new Date(msg.timestamp),
    messageId: msg.rfc724Mid,
    inReplyTo: previous?.mid,
    references: previous ? [previous.mid] : undefined,
    text: ctx.status() && msg.kind !== 'system' ? `${body}\n\n-- \n${ctx.status()}` : body,
    attachments,
    autocrypt,
    chatHeaders: group?.chatHeaders,
  };
  const recipients = members.map((c) => c.addr);
  if (!encrypt) {
    return {
      raw: await composeInner(out, { protectedHeaders: false }),
      recipients,
      encrypted: false,
    };
  }
  if (group) {
    // Gossip every member's key in every group message: a member who missed one still learns
    // the others' keys (Delta Chat gossips at least every two days).
    const inTo = new Set(group.toContacts.map((c) => c.addr));
    out.gossip = keyed
      .filter((k) => inTo.has(k.addr))
      .map((k) => formatGossipHeader({ addr: k.addr, keydata: keydataOf(k.key, k.addr) }));
  } else if (members.length > 1) {
    out.gossip = keyed.map((k) => formatGossipHeader({ addr: k.addr, keydata: keydataOf(k.key) }));
  }
  const outerDate = randomizedOuterDate(new Date(msg.timestamp));
  const inner = await composeInner(out, { protectedHeaders: true, outerDate });
  const armored = await encryptAndSign({
    data: inner,
    encryptionKeys: [...keyed.map((k) => k.key), ctx.keys.public],
    signingKey: ctx.keys.secret,
  });
  const raw = await composeEncryptedOuter({
    from: ctx.addr,
    messageId: msg.rfc724Mid,
    date: outerDate,
    armored,
  });
  return { raw, recipients, encrypted: true };
}
