/**
 * The joiner's side of SecureJoin (Bob: we use someone's invite). We ask for the inviter's key
 * (v3: password-encrypted vc-request-pubkey; classic: vc-request in clear), check the key we get
 * against the invite's fingerprint, then send AUTH encrypted to that key. A contact invite ends
 * with vc-contact-confirm, a group invite with the inviter's vg-member-added.
 */
import type { CoreEvent } from '../../../shared/events.ts';
import type { AccountContext } from '../account/context.ts';
import type { PeerOverlay } from '../store/peers.ts';
import { CoreError } from '../errors.ts';
import { enqueueRawMail } from '../chat/outbox.ts';
import { applyAdd, isSelfMember } from '../chat/groups.ts';
import {
  composeCleartextRequest,
  composeKeyEncryptedStep,
  composePasswordStep,
} from './handshake-mail.ts';
import type { HandshakeMail } from './handshake-mail.ts';
import { parseInvite } from './invite.ts';
import type { InviteCode } from './invite.ts';
import { Joins } from './joins.ts';
import type { Join } from './joins.ts';
import { secureJoinPassword } from './shared-secrets.ts';
import { addSystemLine, systemLine } from './system-line.ts';
import type { LocalLine } from './system-line.ts';
import {
  announcedKey,
  formatFingerprint,
  markVerified,
  parsedKey,
  pinPeerKey,
  verifiedKeyOfAddr,
} from './verification.ts';
import { gossipsOwnKey, HIDE, peerName, progress, signedBy } from './step-checks.ts';
import type { IncomingStep, SecureJoinOutcome } from './step-checks.ts';

/** The request-with-auth step for an invite, encrypted to the inviter's (checked) key. */
async function requestWithAuth(
  ctx: AccountContext,
  invite: InviteCode,
  inviterKey: Parameters<typeof composeKeyEncryptedStep>[1]['toKey'],
): Promise<HandshakeMail> {
  const headers: Record<string, string> = {
    'Secure-Join-Auth': invite.auth,
    'Secure-Join-Fingerprint': ctx.keys.fingerprint,
  };
  // Deprecated, but older Delta Chat cores need it to find the group.
  if (invite.group) headers['Secure-Join-Group'] = invite.group.id;
  return composeKeyEncryptedStep(ctx, {
    step: invite.group ? 'vg-request-with-auth' : 'vc-request-with-auth',
    to: { addr: invite.addr, name: invite.name || undefined },
    toKey: inviterKey,
    headers,
  });
}

/**
 * Start SecureJoin with an invite: send the first step and remember the run. Returns the chat
 * the run is about (the 1:1 chat, or the group to join) and the events to emit.
 */
export async function startJoin(
  ctx: AccountContext,
  inviteText: string,
): Promise<{ chatId: number; joinId: number | null; events: CoreEvent[] }> {
  const invite = parseInvite(inviteText);
  if (invite.addr === ctx.addr.toLowerCase() || invite.fingerprint === ctx.keys.fingerprint) {
    throw new CoreError('invalid_input', 'This is your own invite: show it to someone else.');
  }
  const who = peerName(invite.addr, invite.name);
  const events: CoreEvent[] = [];

  const existingGroup = invite.group ? ctx.chats.findGroup(invite.group.id) : null;
  if (existingGroup !== null && isSelfMember(ctx, existingGroup)) {
    events.push(
      progress(ctx, {
        role: 'joiner',
        step: 'done',
        contactId: ctx.contacts.findByAddr(invite.addr)?.id ?? null,
        chatId: existingGroup,
        line: systemLine('join_already_member', { group: invite.group?.name ?? '' }),
      }),
    );
    return { chatId: existingGroup, joinId: null, events };
  }

  // We already hold the very key the invite names: straight to the request with AUTH.
  const verified = verifiedKeyOfAddr(ctx, invite.addr);
  const peer = ctx.peers.lookup(invite.addr);
  const knownArmored =
    verified?.fingerprint === invite.fingerprint
      ? verified.armored
      : peer?.fingerprint === invite.fingerprint
        ? peer.publicKey
        : null;
  let mail: HandshakeMail;
  let step: 'request-sent' | 'auth-sent';
  if (knownArmored) {
    mail = await requestWithAuth(ctx, invite, await parsedKey(knownArmored));
    step = 'auth-sent';
  } else if (invite.v3) {
    mail = await composePasswordStep(ctx, {
      step: 'vc-request-pubkey',
      to: invite.addr,
      auth: invite.auth,
      password: secureJoinPassword(invite.fingerprint, invite.auth),
    });
    step = 'request-sent';
  } else {
    mail = await composeCleartextRequest(ctx, {
      step: invite.group ? 'vg-request' : 'vc-request',
      to: { addr: invite.addr, name: invite.name || undefined },
      invitenumber: invite.invitenumber,
    });
    step = 'request-sent';
  }

  const result = ctx.db.transaction(() => {
    const now = ctx.now();
    const contact = ctx.contacts.upsert(invite.addr, invite.name || undefined, { known: true });
    if (contact.blocked) ctx.contacts.setBlocked(contact.id, false);
    let chatId: number;
    if (invite.group) {
      chatId =
        existingGroup ??
        ctx.chats.createGroup(invite.group.id, invite.group.name, [], {
          isRequest: false,
          now,
          encrypted: true,
        });
      ctx.chats.accept(chatId);
      applyAdd(ctx, chatId, contact.id, 0);
    } else {
      chatId =
        ctx.chats.findSingle(contact.id) ??
        ctx.chats.createSingle(contact.id, { isRequest: false, now });
      ctx.chats.accept(chatId);
    }
    if (knownArmored) {
      markVerified(
        ctx,
        contact.id,
        { armored: knownArmored, fingerprint: invite.fingerprint },
        now,
      );
    }
    const join = new Joins(ctx.db).start({
      inviteText,
      invite,
      contactId: contact.id,
      chatId,
      step,
      now,
    });
    enqueueRawMail(ctx, mail.raw, mail.recipients, mail.label);
    const line = invite.group
      ? systemLine('join_asking_group', { who, group: invite.group.name })
      : systemLine('join_waiting', { who });
    addSystemLine(ctx, chatId, line, events);
    events.push(
      { type: 'chatChanged', accountId: ctx.id, chat: ctx.chats.summary(chatId) },
      progress(ctx, {
        role: 'joiner',
        step: step === 'auth-sent' ? 'auth-sent' : 'started',
        contactId: contact.id,
        chatId,
        line,
      }),
    );
    return { chatId, joinId: join.id };
  })();
  ctx.kickOutbox();
  return { ...result, events };
}

/** Fail a join: the chat says why, and the run stops. */
function failJoin(ctx: AccountContext, join: Join, line: LocalLine, events: CoreEvent[]): void {
  new Joins(ctx.db).setStep(join.id, 'failed', ctx.now(), line.text);
  if (join.chatId !== null) addSystemLine(ctx, join.chatId, line, events);
  events.push(
    progress(ctx, {
      role: 'joiner',
      step: 'failed',
      contactId: join.contactId,
      chatId: join.chatId,
      line,
    }),
  );
}

/**
 * vc-auth-required / vg-auth-required (classic, encrypted to our key) or vc-pubkey (v3, with the
 * invite's password): the inviter's key. It must be the invite's fingerprint and sign the
 * message; then the inviter is verified and gets our AUTH.
 */
export async function onAuthRequiredOrPubkey(
  ctx: AccountContext,
  overlay: PeerOverlay,
  m: IncomingStep,
): Promise<SecureJoinOutcome> {
  if (m.step === 'pubkey' && m.secret?.role !== 'joiner') return HIDE;
  const joins =
    m.secret?.role === 'joiner'
      ? [m.secret.join]
      : new Joins(ctx.db).openWith(m.from.addr).filter((j) => j.step === 'request-sent');
  if (joins.length === 0) return HIDE;
  const key = await announcedKey(m.parsed.autocrypt, m.from.addr);
  const join = joins[0]!;
  const who = peerName(join.invite.addr, join.invite.name);
  if (!key || key.fingerprint !== join.invite.fingerprint || !(await signedBy(ctx, m, key.key))) {
    const expected = formatFingerprint(join.invite.fingerprint);
    const line = key
      ? systemLine('join_key_mismatch', { who, got: formatFingerprint(key.fingerprint), expected })
      : systemLine('join_key_missing', { who, expected });
    return { hide: true, apply: (ctx, events) => failJoin(ctx, join, line, events) };
  }
  pinPeerKey(ctx, overlay, m.from.addr, key, m.timestamp);
  const mail = await requestWithAuth(ctx, join.invite, key.key);
  return {
    hide: true,
    apply(ctx, events) {
      const now = ctx.now();
      markVerified(ctx, join.contactId, key, now);
      new Joins(ctx.db).setStep(join.id, 'auth-sent', now);
      enqueueRawMail(ctx, mail.raw, mail.recipients, mail.label);
      if (join.chatId !== null && !join.invite.group) ctx.chats.markEncrypted(join.chatId);
      const line = join.invite.group
        ? systemLine('join_group_answered', { who })
        : systemLine('join_key_matches', { who });
      if (join.invite.group && join.chatId !== null) {
        addSystemLine(ctx, join.chatId, line, events);
      }
      events.push(
        { type: 'contactChanged', accountId: ctx.id, contactId: join.contactId },
        progress(ctx, {
          role: 'joiner',
          step: 'auth-sent',
          contactId: join.contactId,
          chatId: join.chatId,
          line,
        }),
      );
    },
  };
}

/** vc-contact-confirm: the inviter verified us too; the run is done. */
export async function onContactConfirm(
  ctx: AccountContext,
  m: IncomingStep,
): Promise<SecureJoinOutcome> {
  const join = new Joins(ctx.db)
    .openWith(m.from.addr)
    .find((j) => j.step === 'auth-sent' && !j.invite.group);
  if (!join || m.encryption !== 'encrypted' || m.signerFingerprint !== join.invite.fingerprint) {
    return HIDE;
  }
  if (!(await gossipsOwnKey(ctx, m.parsed))) return HIDE;
  const who = peerName(join.invite.addr, join.invite.name);
  return {
    hide: true,
    apply(ctx, events) {
      new Joins(ctx.db).setStep(join.id, 'done', ctx.now());
      const chatId =
        join.chatId ??
        ctx.chats.findSingle(join.contactId) ??
        ctx.chats.createSingle(join.contactId, { isRequest: false, now: ctx.now() });
      ctx.chats.accept(chatId);
      ctx.chats.markEncrypted(chatId);
      const line = systemLine('join_verified', { who });
      addSystemLine(ctx, chatId, line, events);
      events.push(
        { type: 'chatChanged', accountId: ctx.id, chat: ctx.chats.summary(chatId) },
        progress(ctx, {
          role: 'joiner',
          step: 'done',
          contactId: join.contactId,
          chatId,
          line,
        }),
      );
    },
  };
}

/** vg-member-added naming us: the group join is done (the message itself is a group change). */
export async function onMemberAdded(
  ctx: AccountContext,
  m: IncomingStep,
): Promise<SecureJoinOutcome> {
  const h = m.parsed.chat.headers;
  const added = h['chat-group-member-added']?.trim().toLowerCase();
  const grpid = h['chat-group-id'];
  const shown: SecureJoinOutcome = { hide: false, apply: () => undefined };
  if (added !== ctx.addr.toLowerCase() || !grpid || m.encryption !== 'encrypted') return shown;
  const join = new Joins(ctx.db).openForGroup(grpid)[0];
  if (!join) return shown;
  const who = peerName(join.invite.addr, join.invite.name);
  return {
    hide: false,
    apply(ctx, events) {
      new Joins(ctx.db).setStep(join.id, 'done', ctx.now());
      const chatId = ctx.chats.findGroup(grpid);
      events.push(
        progress(ctx, {
          role: 'joiner',
          step: 'done',
          contactId: join.contactId,
          chatId,
          line: systemLine('join_added_to_group', {
            who,
            group: join.invite.group?.name ?? '',
          }),
        }),
      );
    },
  };
}

/**
 * Called when a join has waited too long: say so in the chat, once per join, also when the time
 * ran out while the app was closed (securejoin/housekeeping.ts). The run goes on.
 */
export function noteJoinTimeout(ctx: AccountContext, joinId: number): CoreEvent[] {
  const events: CoreEvent[] = [];
  const noted = ctx.db.transaction(() => {
    const joins = new Joins(ctx.db);
    const join = joins.get(joinId);
    if (!join || join.step === 'done' || join.step === 'failed' || join.timeoutNotedAt !== null) {
      return null;
    }
    joins.setTimeoutNoted(join.id, ctx.now());
    const line = systemLine('join_timeout', { who: peerName(join.invite.addr, join.invite.name) });
    if (join.chatId !== null) addSystemLine(ctx, join.chatId, line, events);
    return { join, line };
  })();
  if (!noted) return [];
  events.push(
    progress(ctx, {
      role: 'joiner',
      step: 'timeout',
      contactId: noted.join.contactId,
      chatId: noted.join.chatId,
      line: noted.line,
    }),
  );
  return events;
}
