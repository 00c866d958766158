/**
 * The receive pipeline after IMAP: parse → decrypt and verify → Autocrypt → classify → one
 * transaction that stores every message of the batch and the folder's UID watermark.
 * Nothing here throws for bad mail: a message that cannot be read becomes a placeholder.
 */
import { createHash } from 'node:crypto';
import type { Encryption, SentenceInfo, SystemLine } from '../../../shared/types.ts';
import type { CoreEvent } from '../../../shared/events.ts';
import type { MailAddress, ParsedMail } from '../mime/types.ts';
import type { AccountContext } from '../account/context.ts';
import type { PeerOverlay } from '../store/peers.ts';
import { observeGossip } from './peer-updates.ts';
import type { SecureJoinSecret } from '../securejoin/shared-secrets.ts';
import { prepareSecureJoin } from '../securejoin/steps.ts';
import type { SecureJoinOutcome } from '../securejoin/steps.ts';
import {
  expectedSignerKeys,
  observeSenderKey,
  verifiedSenderWarning,
} from '../securejoin/verification.ts';
import { addSystemLine, systemLine } from '../securejoin/system-line.ts';
import type { LocalLine } from '../securejoin/system-line.ts';
import { fileGroupMessage, readIncomingGroup } from './groups.ts';
import type { IncomingGroup } from './groups.ts';
import { detailOf, sentenceOf } from '../errors.ts';
import { openBatch } from './mail-opening.ts';
import type { MailOpening } from './mail-opening.ts';
import { chatChanged, deferChatSummaries, flushChatSummaries } from './batch-events.ts';

export interface FetchedMail {
  uid: number;
  source: Buffer;
}

export interface Watermark {
  uidValidity: number | bigint | null;
  lastUid: number;
  highestModseq?: bigint | null;
}

/** A message made ready for storing: everything async (parsing, crypto, blobs) is done. */
interface Prepared {
  uid: number;
  mid: string;
  from: MailAddress;
  to: MailAddress[];
  outgoingCopy: boolean;
  kind: 'text' | 'placeholder' | 'system';
  text: string;
  quotedText: string | null;
  subject: string | null;
  timestamp: number;
  receivedAt: number;
  encryption: Encryption;
  error: string | null;
  /** `error` as a code with arguments, for the UI's language. */
  errorInfo?: SentenceInfo | null;
  classicEmail: boolean;
  inReplyTo: string | null;
  groupId: string | null;
  groupName: string | null;
  attachments: { filename: string; contentType: string; size: number; blob: string }[];
  mdnFor: string[] | null;
  /** The sender's previous key fingerprint when this message announced a new one. */
  keyChangedFrom: string | null;
  /** A SecureJoin step: hidden ones only change state (securejoin/steps.ts). */
  secureJoin?: SecureJoinOutcome | null;
  /** The group headers (chat/groups.ts), when the message names a group. */
  group?: IncomingGroup | null;
  /** A group change shown as a system line: what it says, to localise it. */
  system?: SystemLine | null;
  /** The sender is verified but this message does not prove to be theirs: the chat warns. */
  senderWarning?: LocalLine | null;
}

const UNKNOWN_SENDER: MailAddress = { addr: 'unknown-sender@invalid', name: 'Unknown sender' };

/** Store one fetched batch and the new watermark atomically; emit events after the commit. */
export async function receiveBatch(
  ctx: AccountContext,
  batch: FetchedMail[],
  watermark: Watermark,
  opts: { poison?: unknown } = {},
): Promise<void> {
  const overlay: PeerOverlay = new Map();
  const prepared: Prepared[] = [];
  // Parsing and decryption of the whole batch start at once, on worker threads for big batches
  // (chat/open-pool.ts); what depends on earlier messages (Autocrypt state) is applied in order.
  const openings = opts.poison === undefined ? openBatch(ctx, batch) : [];
  for (const [i, mail] of batch.entries()) {
    const opening = openings[i];
    prepared.push(
      opening
        ? await prepare(ctx, mail, opening, overlay)
        : placeholder(
            mail,
            null,
            ctx.now(),
            `This message could not be processed. ${sentenceOf(opts.poison)}`,
            undefined,
            because('not_processed', opts.poison),
          ),
    );
  }
  const events: CoreEvent[] = [];
  // One summary per chat per batch, not one per message (chat/batch-events.ts).
  deferChatSummaries(events);
  ctx.db.transaction(() => {
    for (const peer of overlay.values()) ctx.peers.save(peer);
    for (const p of prepared) store(ctx, p, events);
    flushChatSummaries(ctx, events);
    ctx.imapState.save('INBOX', watermark);
  })();
  // SecureJoin replies and group announcements may have been queued.
  if (prepared.some((p) => p.secureJoin || p.group)) ctx.kickOutbox();
  for (const e of events) ctx.bus.emit(e);
}

async function prepare(
  ctx: AccountContext,
  mail: FetchedMail,
  opening: Promise<MailOpening>,
  overlay: PeerOverlay,
): Promise<Prepared> {
  const opened = await opening;
  const receivedAt = ctx.now();
  let outer: ParsedMail;
  try {
    outer = opened.outer();
  } catch (e) {
    return placeholder(
      mail,
      null,
      receivedAt,
      `This message could not be read: ${sentenceOf(e)}`,
      undefined,
      because('unreadable', e),
    );
  }
  const from = outer.from ?? UNKNOWN_SENDER;
  const midFallback = syntheticMid(mail.source);
  if (!outer.from) {
    return placeholder(
      mail,
      outer,
      receivedAt,
      'This message has no valid sender address, so Estafette cannot tell who sent it.',
      midFallback,
      { code: 'no_sender', args: {} },
    );
  }
  let parsed = outer;
  let encryption: Encryption = 'none';
  let signerFingerprint: string | null = null;
  let secret: SecureJoinSecret | null = null;
  if (outer.encrypted) {
    try {
      // A verified sender counts only with the verified key; SecureJoin's password-encrypted
      // steps open with the invite's secret. Opened already (chat/mail-opening.ts); the
      // signature is judged here, against the keys expected at this point of the batch.
      const result = await opened.decrypt(await expectedSignerKeys(ctx, from.addr, overlay));
      secret = result.secret;
      parsed = result.parsed;
      if (result.signature.status === 'valid') {
        encryption = 'encrypted';
        signerFingerprint = result.signature.signerFingerprint;
      } else {
        encryption = 'encrypted-unverified-sender';
        signerFingerprint =
          result.signature.status === 'other-key'
            ? (result.signature.signerFingerprint ?? null)
            : null;
      }
    } catch (e) {
      return placeholder(
        mail,
        outer,
        receivedAt,
        `This message could not be decrypted. ${sentenceOf(e)}`,
        outer.messageId ?? midFallback,
        because('undecryptable', e),
      );
    }
  }

  // The protected From must be the outer one: a mismatch means someone re-wrapped the message.
  const sender = parsed.from ?? from;
  if (sender.addr.toLowerCase() !== from.addr.toLowerCase() && encryption !== 'none') {
    encryption = 'encrypted-unverified-sender';
  }
  const timestamp = clampDate(parsed.date, receivedAt);
  const isReport = Boolean(parsed.isMdn);
  const senderKey = await observeSenderKey(ctx, overlay, {
    from: from.addr,
    autocrypt: isReport ? [] : parsed.autocrypt,
    date: timestamp,
  });
  const ac = senderKey.autocrypt;
  if (
    encryption === 'encrypted-unverified-sender' &&
    !senderKey.pinned &&
    !secret &&
    signerFingerprint &&
    ac &&
    ac.fingerprint === signerFingerprint &&
    sender.addr.toLowerCase() === from.addr.toLowerCase()
  ) {
    // Signed by the key this very message announces: opportunistic Autocrypt accepts it; a key
    // change against an earlier key is recorded by observeAutocrypt and shown in the chat.
    encryption = 'encrypted';
  }
  if (encryption === 'encrypted') {
    await observeGossip(ctx, overlay, {
      recipients: [...parsed.to, ...parsed.cc],
      gossip: parsed.gossip,
      date: timestamp,
    });
  }

  // SecureJoin steps check their keys themselves (a new invite may verify a contact's new key).
  const secureJoin = await prepareSecureJoin(ctx, overlay, {
    parsed,
    from: sender,
    encryption,
    signerFingerprint: encryption === 'encrypted' ? signerFingerprint : null,
    secret,
    armored: outer.encrypted?.armored ?? null,
    timestamp,
  });
  const senderWarning = secureJoin?.hide
    ? null
    : verifiedSenderWarning(senderKey, { addr: from.addr, name: sender.name, encryption });
  const group = secureJoin?.hide
    ? null
    : await readIncomingGroup(ctx, parsed, { encryption, timestamp });

  const attachments = [];
  for (const a of parsed.attachments) {
    const blob = await ctx.blobs.put(a.content);
    attachments.push({ filename: a.filename, contentType: a.contentType, size: a.size, blob });
  }
  const isOwn = from.addr.toLowerCase() === ctx.addr.toLowerCase();
  const problems = parsed.problems.filter((p) => !/no (Date|Message-ID)/.test(p)).join(' ');
  return {
    uid: mail.uid,
    mid: parsed.messageId ?? outer.messageId ?? midFallback,
    from: sender,
    to: parsed.to,
    outgoingCopy: isOwn,
    kind: parsed.damaged ? 'placeholder' : 'text',
    text: parsed.text,
    quotedText: parsed.quotedText ?? null,
    subject: parsed.subject ?? null,
    timestamp,
    receivedAt,
    encryption,
    error: parsed.damaged ? `This message is damaged and may be incomplete. ${problems}` : null,
    errorInfo: parsed.damaged ? { code: 'damaged', args: { problems } } : null,
    classicEmail: !parsed.chat.version,
    inReplyTo: parsed.inReplyTo ?? null,
    groupId:
      encryption === 'none' && parsed.chat.version
        ? (parsed.chat.groupId ?? null)
        : (parsed.chat.groupId ?? null),
    groupName: parsed.chat.groupName ?? null,
    attachments,
    mdnFor: parsed.isMdn ? parsed.isMdn.originalMessageIds : null,
    keyChangedFrom: ac?.changedFrom ?? null,
    secureJoin,
    group,
    senderWarning,
  };
}

function placeholder(
  mail: FetchedMail,
  parsed: ParsedMail | null,
  receivedAt: number,
  reason: string,
  mid?: string,
  reasonInfo?: SentenceInfo,
): Prepared {
  return {
    uid: mail.uid,
    mid: mid ?? syntheticMid(mail.source),
    from: parsed?.from ?? UNKNOWN_SENDER,
    to: parsed?.to ?? [],
    outgoingCopy: false,
    kind: 'placeholder',
    text: '',
    quotedText: null,
    subject: null,
    timestamp: clampDate(parsed?.date, receivedAt),
    receivedAt,
    encryption: parsed?.encrypted ? 'encrypted-unverified-sender' : 'none',
    error: reason,
    errorInfo: reasonInfo ?? null,
    classicEmail: false,
    inReplyTo: null,
    groupId: null,
    groupName: null,
    attachments: [],
    mdnFor: null,
    keyChangedFrom: null,
  };
}

/** Why a placeholder is one, as a code with the thrown value's sentence (and its own code). */
function because(code: string, e: unknown): SentenceInfo {
  const reason = detailOf(e);
  return { code, args: { reason: sentenceOf(e) }, ...(reason ? { reason } : {}) };
}

/** A stable Message-ID for mail that has none, so re-fetching it never duplicates it. */
function syntheticMid(source: Buffer): string {
  return `${createHash('sha256').update(source).digest('hex').slice(0, 32)}@estafette.invalid`;
}

/** The sender's date, but never in the future (a wrong clock must not pin a message on top). */
export function clampDate(date: Date | undefined, receivedAt: number): number {
  const t = date?.getTime();
  if (t === undefined || Number.isNaN(t)) return receivedAt;
  // A Date header has whole seconds: the message was written somewhere in that second. Taking
  // its end keeps a reply after the lines this device wrote earlier in the same second (say
  // "waiting to be added" before "added you"), never after the moment it arrived.
  const end = Math.floor(t / 1000) * 1000 + 999;
  // Senders smear a burst of messages over the following seconds so that their second-precision
  // Dates keep the order they were written in; a few minutes ahead is that (or clock skew).
  return Math.min(end, t <= receivedAt ? receivedAt : receivedAt + FUTURE_TOLERANCE_MS);
}

const FUTURE_TOLERANCE_MS = 5 * 60_000;

function store(ctx: AccountContext, p: Prepared, events: CoreEvent[]): void {
  if (ctx.messages.hasMid(p.mid)) return;
  if (p.mdnFor) {
    for (const id of ctx.messages.markReadByMids(p.mdnFor)) {
      events.push({ type: 'messageChanged', accountId: ctx.id, message: ctx.messages.get(id) });
    }
    return;
  }
  if (p.secureJoin?.hide) {
    // A SecureJoin handshake step: it drives state and is never shown.
    p.secureJoin.apply(ctx, events);
    return;
  }
  if (p.outgoingCopy) {
    // Our own message seen from another device: file it in the chat of its first recipient.
    const peer = p.to.find((t) => t.addr.toLowerCase() !== ctx.addr.toLowerCase());
    if (!peer) return;
    const contact = ctx.contacts.upsert(peer.addr, peer.name, { known: true });
    const chatId =
      ctx.chats.findSingle(contact.id) ??
      ctx.chats.createSingle(contact.id, { isRequest: false, now: p.timestamp });
    insertAndAnnounce(ctx, p, chatId, ctx.selfContactId, true, events, false);
    return;
  }
  const contact = ctx.contacts.upsert(p.from.addr, p.from.name);
  ctx.contacts.touch(contact.id, p.timestamp);
  // Mail from blocked senders is not shown at all.
  if (contact.blocked) return;
  let chatId: number;
  let isNewChat = false;
  let shown: Prepared = p;
  if (p.group) {
    // Chat-Group-ID with membership, name, description and avatar changes (chat/groups.ts).
    const filed = fileGroupMessage(
      ctx,
      p.group,
      { sender: contact, recipients: p.to, timestamp: p.timestamp },
      events,
    );
    if (filed.drop) return;
    chatId = filed.chatId;
    isNewChat = filed.isNewChat;
    if (filed.systemText) {
      shown = {
        ...p,
        kind: 'system',
        text: filed.systemText.text,
        system: filed.systemText.system,
      };
    }
  } else if (p.groupId) {
    const found = ctx.chats.findGroup(p.groupId);
    if (found !== null) chatId = found;
    else {
      const members = p.to
        .filter((t) => t.addr.toLowerCase() !== ctx.addr.toLowerCase())
        .map((t) => ctx.contacts.upsert(t.addr, t.name).id);
      chatId = ctx.chats.createGroup(
        p.groupId,
        p.groupName ?? p.subject ?? '',
        [contact.id, ...members],
        {
          isRequest: !ctx.contacts.isKnown(contact.id),
          now: p.timestamp,
          encrypted: p.encryption === 'encrypted',
        },
      );
      isNewChat = true;
    }
  } else {
    const found = ctx.chats.findSingle(contact.id);
    if (found !== null) chatId = found;
    else {
      chatId = ctx.chats.createSingle(contact.id, {
        isRequest: !ctx.contacts.isKnown(contact.id),
        now: p.timestamp,
      });
      isNewChat = true;
    }
  }
  if (p.encryption === 'encrypted') ctx.chats.markEncrypted(chatId);
  if (p.keyChangedFrom) {
    // Never silent: the chat says the key changed before showing what came with the new key.
    const line = systemLine('key_changed', { addr: p.from.addr, name: p.from.name || p.from.addr });
    const sys = ctx.messages.insert({
      chatId,
      fromId: contact.id,
      outgoing: false,
      kind: 'system',
      text: line.text,
      system: line.system,
      timestamp: p.timestamp,
      receivedAt: p.receivedAt,
      state: 'seen',
      encryption: 'none',
      rfc724Mid: `key-change-${p.mid}`,
    });
    events.push({
      type: 'messageAdded',
      accountId: ctx.id,
      message: ctx.messages.get(sys),
      notify: false,
    });
  }
  if (p.senderWarning) {
    // Never shown as the verified contact's: the chat warns and the message carries why.
    addSystemLine(ctx, chatId, p.senderWarning, events, { fromId: contact.id });
    shown = shown.error
      ? shown
      : { ...shown, error: p.senderWarning.text, errorInfo: p.senderWarning.system };
  }
  const muted = ctx.chats.flags(chatId).muted;
  insertAndAnnounce(ctx, shown, chatId, contact.id, false, events, !muted);
  p.secureJoin?.apply(ctx, events);
  if (isNewChat) events.push({ type: 'contactChanged', accountId: ctx.id, contactId: contact.id });
}

function insertAndAnnounce(
  ctx: AccountContext,
  p: Prepared,
  chatId: number,
  fromId: number,
  outgoing: boolean,
  events: CoreEvent[],
  notify: boolean,
): void {
  const id = ctx.messages.insert({
    chatId,
    fromId,
    outgoing,
    kind: p.kind,
    text: p.text,
    quotedText: p.quotedText,
    subject: p.subject,
    timestamp: p.timestamp,
    receivedAt: p.receivedAt,
    state: outgoing ? 'sent' : 'received',
    encryption: p.encryption,
    error: p.error,
    errorInfo: p.errorInfo ?? null,
    classicEmail: p.classicEmail,
    rfc724Mid: p.mid,
    system: p.system,
    inReplyTo: p.inReplyTo,
    imapUid: p.uid,
    attachments: p.attachments,
  });
  ctx.chats.bump(chatId, p.timestamp);
  events.push({
    type: 'messageAdded',
    accountId: ctx.id,
    message: ctx.messages.get(id),
    notify: notify && !outgoing,
  });
  chatChanged(ctx, events, chatId);
}
