/**
 * Lines the core writes into a chat itself: SecureJoin progress, verification, group changes.
 * Each is a code with arguments (shared/types.ts SystemLine), which a UI says in its language,
 * and the English text made from them here, which is stored next to it and shown by UIs that do
 * not know the code.
 */
import { randomUUID } from 'node:crypto';
import type { SystemLine, SystemLineCode } from '../../../shared/types.ts';
import type { CoreEvent } from '../../../shared/events.ts';
import type { AccountContext } from '../account/context.ts';
import { chatChanged } from '../chat/batch-events.ts';

/** A system line: its English text and its localisable form. */
export interface LocalLine {
  text: string;
  system: SystemLine;
}

type Args = Record<string, string>;

const ENGLISH: Record<SystemLineCode, (a: Args) => string> = {
  self_added_member: (a) => `You added ${a.name}.`,
  self_removed_member: (a) => `You removed ${a.name}.`,
  self_left_group: () => 'You left the group.',
  self_renamed_group: (a) => `You renamed the group from “${a.oldName}” to “${a.newName}”.`,
  self_changed_description: () => 'You changed the group description.',
  self_changed_image: () => 'You changed the group image.',
  self_removed_image: () => 'You removed the group image.',
  member_added: (a) => `${a.by} added ${a.name}.`,
  member_added_you: (a) => `${a.by} added you to the group.`,
  member_removed: (a) => `${a.by} removed ${a.name}.`,
  member_removed_you: (a) => `${a.by} removed you from the group.`,
  member_left: (a) => `${a.by} left the group.`,
  group_renamed: (a) => `${a.by} renamed the group to “${a.name}”.`,
  description_changed: (a) => `${a.by} changed the group description.`,
  image_changed: (a) => `${a.by} changed the group image.`,
  image_removed: (a) => `${a.by} removed the group image.`,
  member_joined: (a) => `${a.name} joined the group.`,
  member_gone: (a) => `${a.name} is no longer in the group.`,
  self_gone: () => 'You are no longer in the group.',
  key_changed: (a) =>
    `The encryption key of ${a.addr} changed. If you did not expect this, check with ${a.name} in person.`,
  unverified_sender_clear: (a) =>
    `This message claims to come from ${a.who}, who is verified, but it was not end-to-end encrypted. It may not be from them.`,
  unverified_sender_key: (a) =>
    `This message claims to come from ${a.who}, who is verified, but it was not signed with their verified key${a.key ? ` with another key (${a.key})` : ''}. It is not shown as theirs; check with them in person.`,
  join_asking_group: (a) => `Asking ${a.who} to let you into “${a.group}”…`,
  join_waiting: (a) => `Waiting for ${a.who} to answer your verification request…`,
  join_already_member: (a) => `You are already in “${a.group}”.`,
  join_key_mismatch: (a) =>
    `Verification of ${a.who} failed: the key that came back (${a.got}) does not match the invite (${a.expected}). Someone may be intercepting your mail, so nothing was verified.`,
  join_key_missing: (a) =>
    `Verification of ${a.who} failed: the key that came back does not match the invite (${a.expected}). Someone may be intercepting your mail, so nothing was verified.`,
  join_group_answered: (a) => `${a.who} answered; waiting to be added to the group…`,
  join_key_matches: (a) => `${a.who}'s key matches the invite; finishing the verification…`,
  join_verified: (a) => `${a.who} is verified: their key matches the invite.`,
  join_added_to_group: (a) => `${a.who} added you to “${a.group}”.`,
  join_timeout: (a) =>
    `${a.who} has not answered yet. Their device may be offline; the verification goes on when they answer.`,
  invite_used: (a) => `${a.who} is using your invite.`,
  invite_withdrawn_unanswered: (a) =>
    `${a.who} tried to use an invite you withdrew; it was not answered.`,
  invite_withdrawn_not_let_in: (a) =>
    `${a.who} tried to use an invite you withdrew; they were not let in.`,
  invite_request_without_key: (a) =>
    `${a.who} sent an invite request without a key; it was not answered.`,
  invite_bad_signature: (a) =>
    `${a.who} used your invite, but their message was not signed by the key they named. They were not verified; someone may be interfering.`,
  invite_not_for_your_key: (a) =>
    `${a.who} used your invite, but the request was not meant for your key.`,
  invite_verified: (a) => `${a.who} used your invite and is verified.`,
  invite_joined_group: (a) => `${a.who} joined the group with your invite and is verified.`,
  invite_expired: (a) =>
    `${a.who} used an invite that expired on ${a.date}, so they are not verified. Show them a new invite to verify them.`,
  invite_group_left: (a) => `${a.who} used your group invite, but you are no longer in that group.`,
};

/** A line from its code and arguments, with its English text. */
export function systemLine(code: SystemLineCode, args: Args = {}): LocalLine {
  return { text: ENGLISH[code](args), system: { code, args } };
}

/** Insert a system line into a chat (inside the caller's transaction) and queue its events. */
export function addSystemLine(
  ctx: AccountContext,
  chatId: number,
  line: LocalLine,
  events: CoreEvent[],
  opts: { fromId?: number; timestamp?: number } = {},
): number {
  const now = ctx.now();
  const id = ctx.messages.insert({
    chatId,
    fromId: opts.fromId ?? ctx.selfContactId,
    outgoing: false,
    kind: 'system',
    text: line.text,
    system: line.system,
    timestamp: opts.timestamp ?? now,
    receivedAt: now,
    state: 'seen',
    encryption: 'none',
    rfc724Mid: `system-${randomUUID()}@estafette.invalid`,
  });
  events.push({
    type: 'messageAdded',
    accountId: ctx.id,
    message: ctx.messages.get(id),
    notify: false,
  });
  // The chat list shows the line as the chat's last message (once per batch when receiving).
  chatChanged(ctx, events, chatId);
  return id;
}
