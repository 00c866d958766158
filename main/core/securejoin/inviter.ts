/**
 * The inviter's side of SecureJoin (Alice: someone uses one of our invites). Requests are
 * answered with our key; the request with AUTH verifies the joiner, who then gets
 * vc-contact-confirm, or is added to the group with a vg-member-added group message.
 */
import type { AccountContext } from '../account/context.ts';
import type { PeerOverlay } from '../store/peers.ts';
import { enqueueRawMail } from '../chat/outbox.ts';
import { addMember, isSelfMember } from '../chat/groups.ts';
import { composeKeyEncryptedStep, composePasswordStep } from './handshake-mail.ts';
import type { HandshakeMail } from './handshake-mail.ts';
import { InviteTokens, inviteVerifies } from './invite-tokens.ts';
import type { InviteToken } from './invite-tokens.ts';
import { addSystemLine, systemLine } from './system-line.ts';
import type { LocalLine } from './system-line.ts';
import { announcedKey, markVerified, parsedKey, pinPeerKey } from './verification.ts';
import { gossipsOwnKey, HIDE, peerName, progress, signedBy } from './step-checks.ts';
import type { IncomingStep, SecureJoinOutcome } from './step-checks.ts';

/** Hide the message and tell the user why the request was not answered. */
function refuse(line: LocalLine): SecureJoinOutcome {
  return {
    hide: true,
    apply(ctx, events) {
      events.push(
        progress(ctx, { role: 'inviter', step: 'failed', contactId: null, chatId: null, line }),
      );
    },
  };
}

function answer(mail: HandshakeMail, m: IncomingStep): SecureJoinOutcome {
  return {
    hide: true,
    apply(ctx, events) {
      enqueueRawMail(ctx, mail.raw, mail.recipients, mail.label);
      const contact = ctx.contacts.findByAddr(m.from.addr.toLowerCase());
      events.push(
        progress(ctx, {
          role: 'inviter',
          step: 'request-received',
          contactId: contact?.id ?? null,
          chatId: null,
          line: systemLine('invite_used', { who: peerName(m.from.addr, m.from.name) }),
        }),
      );
    },
  };
}

function withdrawn(invite: InviteToken | null): boolean {
  return invite === null || invite.revokedAt !== null;
}

/** Classic vc-request / vg-request: in clear, with the joiner's key and our invitenumber. */
export async function onRequest(ctx: AccountContext, m: IncomingStep): Promise<SecureJoinOutcome> {
  const invitenumber = m.parsed.chat.headers['secure-join-invitenumber'] ?? '';
  const invite = new InviteTokens(ctx.db).byInvitenumber(invitenumber);
  const who = peerName(m.from.addr, m.from.name);
  if (withdrawn(invite)) {
    return invite ? refuse(systemLine('invite_withdrawn_unanswered', { who })) : HIDE;
  }
  const key = await announcedKey(m.parsed.autocrypt, m.from.addr);
  if (!key) return refuse(systemLine('invite_request_without_key', { who }));
  const prefix = m.header.startsWith('vg-') ? 'vg' : 'vc';
  const mail = await composeKeyEncryptedStep(ctx, {
    step: prefix === 'vg' ? 'vg-auth-required' : 'vc-auth-required',
    to: m.from,
    toKey: key.key,
  });
  return answer(mail, m);
}

/** v3 vc-request-pubkey: encrypted with one of our invites' secrets; we answer with our key. */
export async function onRequestPubkey(
  ctx: AccountContext,
  m: IncomingStep,
): Promise<SecureJoinOutcome> {
  if (m.secret?.role !== 'inviter') return HIDE;
  const auth = m.parsed.chat.headers['secure-join-auth'];
  if (auth !== m.secret.invite.auth) return HIDE;
  if (withdrawn(m.secret.invite)) {
    return refuse(systemLine('invite_withdrawn_unanswered', { who: m.from.addr }));
  }
  const mail = await composePasswordStep(ctx, {
    step: 'vc-pubkey',
    to: m.from.addr,
    auth,
    password: m.secret.password,
  });
  return answer(mail, m);
}

/**
 * vc-request-with-auth / vg-request-with-auth: encrypted to us, signed by the joiner's key, with
 * the AUTH of our invite and the joiner's fingerprint. Verifies the joiner when the invite is
 * fresh; then confirms the contact or adds them to the group.
 */
export async function onRequestWithAuth(
  ctx: AccountContext,
  overlay: PeerOverlay,
  m: IncomingStep,
): Promise<SecureJoinOutcome> {
  if (m.secret || !m.armored) return HIDE;
  const who = peerName(m.from.addr, m.from.name);
  const headers = m.parsed.chat.headers;
  const claimed = (headers['secure-join-fingerprint'] ?? '').replace(/\s+/g, '').toUpperCase();
  const auth = headers['secure-join-auth'] ?? '';
  const invite = new InviteTokens(ctx.db).byAuth(auth);
  if (!invite) return HIDE;
  if (invite.revokedAt !== null) {
    return refuse(systemLine('invite_withdrawn_not_let_in', { who }));
  }
  let key = await announcedKey(m.parsed.autocrypt, m.from.addr);
  if (!key) {
    const peer = ctx.peers.lookup(m.from.addr, overlay);
    if (peer?.publicKey && peer.fingerprint === claimed) {
      key = { key: await parsedKey(peer.publicKey), armored: peer.publicKey, fingerprint: claimed };
    }
  }
  if (!key || key.fingerprint !== claimed || !(await signedBy(ctx, m, key.key))) {
    return refuse(systemLine('invite_bad_signature', { who }));
  }
  if (!(await gossipsOwnKey(ctx, m.parsed))) {
    return refuse(systemLine('invite_not_for_your_key', { who }));
  }
  const verifies = inviteVerifies(invite, ctx.now());
  pinPeerKey(ctx, overlay, m.from.addr, key, m.timestamp);
  const verifiedKey = { armored: key.armored, fingerprint: key.fingerprint };

  if (invite.chatId === null) {
    const confirm = await composeKeyEncryptedStep(ctx, {
      step: 'vc-contact-confirm',
      to: m.from,
      toKey: key.key,
    });
    return {
      hide: true,
      apply(ctx, events) {
        const contact = ctx.contacts.upsert(m.from.addr, m.from.name, { known: true });
        if (contact.blocked) return;
        if (verifies) markVerified(ctx, contact.id, verifiedKey, ctx.now());
        const chatId =
          ctx.chats.findSingle(contact.id) ??
          ctx.chats.createSingle(contact.id, { isRequest: false, now: ctx.now() });
        ctx.chats.accept(chatId);
        ctx.chats.markEncrypted(chatId);
        const line = verifies ? systemLine('invite_verified', { who }) : expiredLine(who, invite);
        addSystemLine(ctx, chatId, line, events);
        enqueueRawMail(ctx, confirm.raw, confirm.recipients, confirm.label);
        events.push(
          { type: 'contactChanged', accountId: ctx.id, contactId: contact.id },
          { type: 'chatChanged', accountId: ctx.id, chat: ctx.chats.summary(chatId) },
          progress(ctx, {
            role: 'inviter',
            step: 'done',
            contactId: contact.id,
            chatId,
            line,
          }),
        );
      },
    };
  }

  const chatId = invite.chatId;
  return {
    hide: true,
    apply(ctx, events) {
      const contact = ctx.contacts.upsert(m.from.addr, m.from.name, { known: true });
      if (contact.blocked) return;
      if (!isSelfMember(ctx, chatId)) {
        events.push(
          progress(ctx, {
            role: 'inviter',
            step: 'failed',
            contactId: contact.id,
            chatId,
            line: systemLine('invite_group_left', { who }),
          }),
        );
        return;
      }
      if (verifies) markVerified(ctx, contact.id, verifiedKey, ctx.now());
      addMember(ctx, chatId, contact.id, events, { secureJoin: true });
      if (!verifies) addSystemLine(ctx, chatId, expiredLine(who, invite), events);
      const line = verifies ? systemLine('invite_joined_group', { who }) : expiredLine(who, invite);
      events.push(
        { type: 'contactChanged', accountId: ctx.id, contactId: contact.id },
        { type: 'chatChanged', accountId: ctx.id, chat: ctx.chats.summary(chatId) },
        progress(ctx, { role: 'inviter', step: 'done', contactId: contact.id, chatId, line }),
      );
    },
  };
}

function expiredLine(who: string, invite: InviteToken): LocalLine {
  const date = new Date(invite.expiresAt).toISOString().slice(0, 10);
  return systemLine('invite_expired', { who, date });
}
