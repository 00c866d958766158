/** Invites as the API shows them: making ours, listing them, and reading someone else's. */
import type { Invite, InviteCheck } from '../../../shared/types.ts';
import type { AccountContext } from '../account/context.ts';
import { CoreError } from '../errors.ts';
import { groupRow, isSelfMember } from '../chat/groups.ts';
import { formatInviteLink, formatOpenpgp4fpr, inviteQrSvg, parseInvite } from './invite.ts';
import type { InviteCode } from './invite.ts';
import { InviteTokens } from './invite-tokens.ts';
import type { InviteToken } from './invite-tokens.ts';
import { verifiedKeyOf } from './verification.ts';
import { EXPIRED_INVITE_KEPT_MS } from './housekeeping.ts';

/** The invite code a token stands for. */
function codeOf(ctx: AccountContext, token: InviteToken): InviteCode {
  const group = token.chatId === null ? null : groupRow(ctx, token.chatId);
  return {
    fingerprint: ctx.keys.fingerprint,
    addr: ctx.addr.toLowerCase(),
    name: ctx.displayName(),
    invitenumber: token.invitenumber,
    auth: token.auth,
    v3: true,
    group: group ? { id: group.grpid, name: group.name } : null,
  };
}

async function toInvite(ctx: AccountContext, token: InviteToken): Promise<Invite> {
  const code = codeOf(ctx, token);
  const link = formatInviteLink(code);
  return {
    id: token.id,
    chatId: token.chatId,
    link,
    openpgp4fpr: formatOpenpgp4fpr(code),
    qrSvg: await inviteQrSvg(link),
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    usableUntil: token.expiresAt + EXPIRED_INVITE_KEPT_MS,
  };
}

/** A new invite with fresh secrets: to verify us (chatId null) or to join a group we are in. */
export async function makeInvite(ctx: AccountContext, chatId: number | null): Promise<Invite> {
  if (chatId !== null) {
    groupRow(ctx, chatId);
    if (!isSelfMember(ctx, chatId)) {
      throw new CoreError(
        'invalid_input',
        'You are no longer in this group, so you cannot invite.',
      );
    }
  }
  return toInvite(ctx, new InviteTokens(ctx.db).create(chatId, ctx.now()));
}

/** Invites not revoked, newest first. */
export async function listInvites(ctx: AccountContext, chatId: number | null): Promise<Invite[]> {
  const out: Invite[] = [];
  for (const token of new InviteTokens(ctx.db).listActive(chatId)) {
    out.push(await toInvite(ctx, token));
  }
  return out;
}

/** What accepting an invite would do. */
export function checkInvite(ctx: AccountContext, text: string): InviteCheck {
  const code = parseInvite(text);
  const own = code.addr === ctx.addr.toLowerCase() || code.fingerprint === ctx.keys.fingerprint;
  const contact = ctx.contacts.findByAddr(code.addr);
  const name =
    code.name || (contact && contact.displayName !== contact.addr ? contact.displayName : '');
  const who = name || code.addr;
  const verified = contact ? verifiedKeyOf(ctx, contact.id) : null;
  const alreadyVerified = verified?.fingerprint === code.fingerprint;
  const groupChat = code.group ? ctx.chats.findGroup(code.group.id) : null;
  const alreadyMember = groupChat !== null && isSelfMember(ctx, groupChat);
  let question: string;
  if (own) question = 'This is your own invite: show it to someone else.';
  else if (code.group) {
    question = alreadyMember
      ? `You are already in “${code.group.name}”. Open it?`
      : `Join the group “${code.group.name}” with ${who}'s invite? This also verifies ${who}.`;
  } else {
    question = alreadyVerified
      ? `${who} is already verified. Open the chat?`
      : `Verify ${who} and start a chat?`;
  }
  const chatId = code.group ? groupChat : contact ? ctx.chats.findSingle(contact.id) : null;
  return {
    kind: code.group ? 'group' : 'contact',
    addr: code.addr,
    name: code.name,
    fingerprint: code.fingerprint,
    groupName: code.group?.name ?? null,
    question,
    own,
    alreadyVerified,
    alreadyMember,
    chatId,
  };
}
