/**
 * Group chats as Delta Chat 2.x runs them (PROTOCOL §4): a random Chat-Group-ID, membership kept
 * with per-member timestamps (Chat-Group-Member-Timestamps / -Fpr / -Past-Members) so that the
 * newest change wins on every device, explicit Member-Added/-Removed system messages, name,
 * description and avatar with their own timestamps, and every message encrypted to all members.
 */
import { randomBytes } from 'node:crypto';
import { parseAddressHeader } from 'mailparser';
import type { Contact, Encryption, GroupInfo } from '../../../shared/types.ts';
import type { CoreEvent } from '../../../shared/events.ts';
import type { AccountContext } from '../account/context.ts';
import { CoreError } from '../errors.ts';
import type { MailAddress, ParsedMail } from '../mime/types.ts';
import { newMessageId } from '../mime/compose.ts';
import { addSystemLine, systemLine } from '../securejoin/system-line.ts';
import type { LocalLine } from '../securejoin/system-line.ts';
import { encryptionFingerprintOf } from '../securejoin/verification.ts';
import { imageTypeOf } from '../store/image-type.ts';

/** What an outgoing group system message announces (stored as messages.params). */
export type GroupCommand =
  | { cmd: 'member-added'; addr: string; fingerprint: string | null; secureJoin?: boolean }
  | { cmd: 'member-removed'; addr: string; fingerprint: string | null }
  | { cmd: 'name-changed'; oldName: string }
  | { cmd: 'description-changed' }
  | { cmd: 'avatar-changed' };

export interface GroupRow {
  chatId: number;
  grpid: string;
  name: string;
  nameTs: number;
  description: string;
  descriptionTs: number;
  avatarBlob: string | null;
  avatarTs: number;
}

/** Past members are announced for this long after their removal, as Delta Chat does. */
const PAST_MEMBER_SECONDS = 60 * 24 * 3600;
const MAX_AVATAR_BYTES = 1_000_000;

/** A new Chat-Group-ID: 144 random bits, URL-safe base64 (24 characters of [0-9A-Za-z_-]). */
export function newGroupId(): string {
  return randomBytes(18).toString('base64url');
}

/** Seconds since the epoch, the unit of every group timestamp on the wire. */
export function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** The group fields of a chat; throws when the chat is not a group. */
export function groupRow(ctx: AccountContext, chatId: number): GroupRow {
  const r = ctx.db
    .prepare<
      [number],
      {
        id: number;
        kind: string;
        grpid: string | null;
        name: string;
        name_ts: number;
        description: string;
        description_ts: number;
        avatar_blob: string | null;
        avatar_ts: number;
      }
    >('SELECT * FROM chats WHERE id = ?')
    .get(chatId);
  if (!r) throw new CoreError('not_found', 'This chat does not exist.');
  if (r.kind !== 'group' || !r.grpid) {
    throw new CoreError('invalid_input', 'This chat is not a group.');
  }
  return {
    chatId: r.id,
    grpid: r.grpid,
    name: r.name,
    nameTs: r.name_ts,
    description: r.description,
    descriptionTs: r.description_ts,
    avatarBlob: r.avatar_blob,
    avatarTs: r.avatar_ts,
  };
}

/** Current members with the time they were added (seconds), newest first; self included. */
export function memberRows(
  ctx: AccountContext,
  chatId: number,
): { contactId: number; addedTs: number }[] {
  return ctx.db
    .prepare<[number], { contact_id: number; added_ts: number }>(
      'SELECT contact_id, added_ts FROM chat_members WHERE chat_id = ? ORDER BY added_ts DESC, contact_id',
    )
    .all(chatId)
    .map((r) => ({ contactId: r.contact_id, addedTs: r.added_ts }));
}

/** Members removed since `sinceTs` (seconds), newest removal first. */
export function pastMemberRows(
  ctx: AccountContext,
  chatId: number,
  sinceTs = 0,
): { contactId: number; addedTs: number; removedTs: number }[] {
  return ctx.db
    .prepare<[number, number], { contact_id: number; added_ts: number; removed_ts: number }>(
      `SELECT contact_id, added_ts, removed_ts FROM chat_past_members
       WHERE chat_id = ? AND removed_ts >= ? ORDER BY removed_ts DESC, contact_id`,
    )
    .all(chatId, sinceTs)
    .map((r) => ({ contactId: r.contact_id, addedTs: r.added_ts, removedTs: r.removed_ts }));
}

/** Whether we ourselves are (still) a member of the group. */
export function isSelfMember(ctx: AccountContext, chatId: number): boolean {
  return (
    ctx.db
      .prepare('SELECT 1 FROM chat_members WHERE chat_id = ? AND contact_id = ?')
      .get(chatId, ctx.selfContactId) !== undefined
  );
}

/**
 * Apply "added at ts": a member already there only gets the newer timestamp; a past member comes
 * back only if ts is newer than both its last addition and its removal. Returns true when the
 * membership changed.
 */
export function applyAdd(ctx: AccountContext, chatId: number, contactId: number, ts: number) {
  const member = ctx.db
    .prepare<[number, number], { added_ts: number }>(
      'SELECT added_ts FROM chat_members WHERE chat_id = ? AND contact_id = ?',
    )
    .get(chatId, contactId);
  if (member) {
    if (ts > member.added_ts) {
      ctx.db
        .prepare('UPDATE chat_members SET added_ts = ? WHERE chat_id = ? AND contact_id = ?')
        .run(ts, chatId, contactId);
    }
    return false;
  }
  const past = ctx.db
    .prepare<[number, number], { added_ts: number; removed_ts: number }>(
      'SELECT added_ts, removed_ts FROM chat_past_members WHERE chat_id = ? AND contact_id = ?',
    )
    .get(chatId, contactId);
  if (past && !(ts > past.added_ts && ts >= past.removed_ts)) return false;
  ctx.db
    .prepare('DELETE FROM chat_past_members WHERE chat_id = ? AND contact_id = ?')
    .run(chatId, contactId);
  ctx.db
    .prepare('INSERT INTO chat_members (chat_id, contact_id, added_ts) VALUES (?, ?, ?)')
    .run(chatId, contactId, ts);
  return true;
}

/** Apply "removed at ts": only a removal newer than the addition counts. True when it changed. */
export function applyRemove(ctx: AccountContext, chatId: number, contactId: number, ts: number) {
  const member = ctx.db
    .prepare<[number, number], { added_ts: number }>(
      'SELECT added_ts FROM chat_members WHERE chat_id = ? AND contact_id = ?',
    )
    .get(chatId, contactId);
  if (member) {
    if (!(ts > member.added_ts)) return false;
    ctx.db
      .prepare('DELETE FROM chat_members WHERE chat_id = ? AND contact_id = ?')
      .run(chatId, contactId);
    ctx.db
      .prepare(
        `INSERT INTO chat_past_members (chat_id, contact_id, added_ts, removed_ts) VALUES (?, ?, ?, ?)
         ON CONFLICT (chat_id, contact_id) DO UPDATE SET added_ts = excluded.added_ts,
           removed_ts = excluded.removed_ts`,
      )
      .run(chatId, contactId, member.added_ts, ts);
    return true;
  }
  ctx.db
    .prepare(
      `INSERT INTO chat_past_members (chat_id, contact_id, removed_ts) VALUES (?, ?, ?)
       ON CONFLICT (chat_id, contact_id) DO UPDATE SET removed_ts = max(removed_ts, excluded.removed_ts)`,
    )
    .run(chatId, contactId, ts);
  return false;
}

// ---------------------------------------------------------------------------------------------
// Local changes (the API): each stores the change, then queues a system message for the members.

/** Create a group with us and these contacts; nothing is sent until the first message. */
export function createGroupChat(
  ctx: AccountContext,
  p: { name: string; contactIds: number[]; now: number },
): number {
  const name = p.name.trim();
  if (name === '') throw new CoreError('invalid_input', 'A group needs a name.');
  const ts = seconds(p.now);
  return ctx.db.transaction(() => {
    for (const id of p.contactIds) {
      const c = ctx.contacts.get(id);
      if (c.isSelf) continue;
      if (!encryptionFingerprintOf(ctx, c)) {
        throw new CoreError(
          'encryption_required',
          `Estafette has no key for ${c.addr} yet, so they cannot be in an encrypted group. Verify them with an invite first.`,
        );
      }
    }
    const chatId = ctx.chats.createGroup(newGroupId(), name, [], {
      isRequest: false,
      now: p.now,
      encrypted: true,
    });
    ctx.db.prepare('UPDATE chats SET name_ts = ? WHERE id = ?').run(ts, chatId);
    applyAdd(ctx, chatId, ctx.selfContactId, ts);
    for (const id of p.contactIds) {
      if (id !== ctx.selfContactId) applyAdd(ctx, chatId, id, ts);
    }
    return chatId;
  })();
}

/** Queue an outgoing group system message (inside the caller's transaction). */
export function queueGroupCommand(
  ctx: AccountContext,
  chatId: number,
  command: GroupCommand,
  line: LocalLine,
  events: CoreEvent[],
): number {
  const now = ctx.now();
  const id = ctx.messages.insert({
    chatId,
    fromId: ctx.selfContactId,
    outgoing: true,
    kind: 'system',
    text: line.text,
    system: line.system,
    timestamp: now,
    receivedAt: now,
    state: 'pending',
    encryption: 'encrypted',
    rfc724Mid: newMessageId(),
  });
  ctx.db.prepare('UPDATE messages SET params = ? WHERE id = ?').run(JSON.stringify(command), id);
  ctx.db.prepare('INSERT INTO outbox (message_id) VALUES (?)').run(id);
  ctx.chats.bump(chatId, now);
  events.push({
    type: 'messageAdded',
    accountId: ctx.id,
    message: ctx.messages.get(id),
    notify: false,
  });
  return id;
}

function requireSelfMember(ctx: AccountContext, chatId: number): GroupRow {
  const group = groupRow(ctx, chatId);
  if (!isSelfMember(ctx, chatId)) {
    throw new CoreError('invalid_input', 'You are no longer a member of this group.');
  }
  return group;
}

/** Add a contact to a group we are in; `secureJoin` marks the vg-member-added of an invite. */
export function addMember(
  ctx: AccountContext,
  chatId: number,
  contactId: number,
  events: CoreEvent[],
  opts: { secureJoin?: boolean } = {},
): void {
  requireSelfMember(ctx, chatId);
  const contact = ctx.contacts.get(contactId);
  if (contact.isSelf) throw new CoreError('invalid_input', 'You are already in this group.');
  const fingerprint = encryptionFingerprintOf(ctx, contact);
  if (!fingerprint) {
    throw new CoreError(
      'encryption_required',
      `Estafette has no key for ${contact.addr}, so they cannot join an encrypted group. Verify them with an invite first.`,
    );
  }
  const ts = seconds(ctx.now());
  // Re-adding someone who is already in sends the announcement again, as Delta Chat does.
  applyAdd(ctx, chatId, contactId, ts);
  queueGroupCommand(
    ctx,
    chatId,
    { cmd: 'member-added', addr: contact.addr, fingerprint, secureJoin: opts.secureJoin },
    systemLine('self_added_member', { name: nameOf(contact) }),
    events,
  );
  ctx.contacts.upsert(contact.addr, undefined, { known: true });
}

/** Remove a member (not ourselves: that is leaveGroup). */
export function removeMember(
  ctx: AccountContext,
  chatId: number,
  contactId: number,
  events: CoreEvent[],
): void {
  requireSelfMember(ctx, chatId);
  if (contactId === ctx.selfContactId) return leaveGroup(ctx, chatId, events);
  const contact = ctx.contacts.get(contactId);
  const isMember = memberRows(ctx, chatId).some((m) => m.contactId === contactId);
  if (!isMember) throw new CoreError('invalid_input', `${nameOf(contact)} is not in this group.`);
  applyRemove(ctx, chatId, contactId, seconds(ctx.now()));
  queueGroupCommand(
    ctx,
    chatId,
    {
      cmd: 'member-removed',
      addr: contact.addr,
      fingerprint: encryptionFingerprintOf(ctx, contact),
    },
    systemLine('self_removed_member', { name: nameOf(contact) }),
    events,
  );
}

/** Leave a group: the members are told, and we can no longer write to it. */
export function leaveGroup(ctx: AccountContext, chatId: number, events: CoreEvent[]): void {
  requireSelfMember(ctx, chatId);
  applyRemove(ctx, chatId, ctx.selfContactId, seconds(ctx.now()));
  queueGroupCommand(
    ctx,
    chatId,
    { cmd: 'member-removed', addr: ctx.addr, fingerprint: ctx.keys.fingerprint },
    systemLine('self_left_group'),
    events,
  );
}

/**
 * The timestamp (whole seconds, as the headers carry it) of our change to a group property:
 * now, but always after the change it replaces, so that two changes within one second still
 * reach every member in order (members apply only a strictly newer timestamp).
 */
function changeTs(ctx: AccountContext, previousTs: number): number {
  return Math.max(seconds(ctx.now()), previousTs + 1);
}

/** Rename a group. */
export function renameGroup(
  ctx: AccountContext,
  chatId: number,
  name: string,
  events: CoreEvent[],
): void {
  const group = requireSelfMember(ctx, chatId);
  const next = name.trim();
  if (next === '') throw new CoreError('invalid_input', 'A group needs a name.');
  if (next === group.name) return;
  ctx.db
    .prepare('UPDATE chats SET name = ?, name_ts = ? WHERE id = ?')
    .run(next, changeTs(ctx, group.nameTs), chatId);
  queueGroupCommand(
    ctx,
    chatId,
    { cmd: 'name-changed', oldName: group.name },
    systemLine('self_renamed_group', { oldName: group.name, newName: next }),
    events,
  );
}

/** Change a group's description. */
export function setGroupDescription(
  ctx: AccountContext,
  chatId: number,
  description: string,
  events: CoreEvent[],
): void {
  const group = requireSelfMember(ctx, chatId);
  if (description === group.description) return;
  ctx.db
    .prepare('UPDATE chats SET description = ?, description_ts = ? WHERE id = ?')
    .run(description, changeTs(ctx, group.descriptionTs), chatId);
  queueGroupCommand(
    ctx,
    chatId,
    { cmd: 'description-changed' },
    systemLine('self_changed_description'),
    events,
  );
}

/** Set (blob) or remove (null) a group's image. */
export function setGroupAvatar(
  ctx: AccountContext,
  chatId: number,
  blob: string | null,
  events: CoreEvent[],
): void {
  requireSelfMember(ctx, chatId);
  ctx.db
    .prepare('UPDATE chats SET avatar_blob = ?, avatar_ts = ? WHERE id = ?')
    .run(blob, seconds(ctx.now()), chatId);
  queueGroupCommand(
    ctx,
    chatId,
    { cmd: 'avatar-changed' },
    systemLine(blob ? 'self_changed_image' : 'self_removed_image'),
    events,
  );
}

// ---------------------------------------------------------------------------------------------
// Outgoing: what a group message carries.

/** The envelope and headers of an outgoing group message. */
export interface GroupEnvelope {
  /** The To header: the members, ourselves only when alone. */
  to: MailAddress[];
  /** Members in To (they get gossip). */
  toContacts: Contact[];
  /** Everyone the mail goes to (To members, plus a member being removed). */
  recipients: Contact[];
  chatHeaders: Record<string, string>;
  subject: string;
  /** Wire text of a system message (what old clients show), when it is one. */
  body: string | null;
}

/** The parameters of an outgoing message, if it is a group system message. */
export function groupCommandOf(ctx: AccountContext, messageId: number): GroupCommand | null {
  const raw = ctx.db.prepare('SELECT params FROM messages WHERE id = ?').pluck().get(messageId) as
    string | null | undefined;
  if (!raw) return null;
  try {
    return JSON.parse(raw) as GroupCommand;
  } catch {
    return null;
  }
}

/** Build the group part of an outgoing message: members, their timestamps and fingerprints. */
export async function groupEnvelope(
  ctx: AccountContext,
  chatId: number,
  messageId: number,
): Promise<GroupEnvelope> {
  const group = groupRow(ctx, chatId);
  const command = groupCommandOf(ctx, messageId);
  const leaving =
    command?.cmd === 'member-removed' && command.addr.toLowerCase() === ctx.addr.toLowerCase();
  if (!leaving && !isSelfMember(ctx, chatId)) {
    throw new CoreError('invalid_input', 'You are no longer a member of this group.');
  }
  const nowTs = seconds(ctx.now());
  const members = memberRows(ctx, chatId).map((m) => ({
    contact: ctx.contacts.get(m.contactId),
    ts: m.addedTs,
  }));
  let inTo = members;
  if (inTo.length > 1) inTo = inTo.filter((m) => !m.contact.isSelf);
  const past = pastMemberRows(ctx, chatId, nowTs - PAST_MEMBER_SECONDS).map((m) => ({
    contact: ctx.contacts.get(m.contactId),
    ts: m.removedTs,
  }));
  const fingerprintOf = (c: Contact) =>
    c.isSelf ? ctx.keys.fingerprint : encryptionFingerprintOf(ctx, c);
  const fingerprints = [...inTo, ...past].map((m) => fingerprintOf(m.contact));
  const headers: Record<string, string> = {
    'Chat-Group-ID': group.grpid,
    'Chat-Group-Name': group.name,
  };
  if (group.nameTs > 0) headers['Chat-Group-Name-Timestamp'] = String(group.nameTs);
  headers['Chat-Group-Member-Timestamps'] = [...inTo, ...past].map((m) => m.ts).join(' ');
  if (fingerprints.every((f) => f !== null)) {
    headers['Chat-Group-Member-Fpr'] = fingerprints.join(' ');
  }
  if (past.length > 0) {
    headers['Chat-Group-Past-Members'] = past.map((m) => m.contact.addr).join(', ');
  }
  const recipients = inTo.map((m) => m.contact).filter((c) => !c.isSelf);
  let body: string | null = null;
  switch (command?.cmd) {
    case 'member-added':
      headers['Chat-Group-Member-Added'] = command.addr;
      if (command.fingerprint) headers['Chat-Group-Member-Added-Fpr'] = command.fingerprint;
      if (command.secureJoin) headers['Secure-Join'] = 'vg-member-added';
      addDescriptionHeaders(headers, group);
      body = `Member ${command.addr} was added.`;
      break;
    case 'member-removed': {
      headers['Chat-Group-Member-Removed'] = command.addr;
      if (command.fingerprint) headers['Chat-Group-Member-Removed-Fpr'] = command.fingerprint;
      const removed = ctx.contacts.findByAddr(command.addr.toLowerCase());
      if (removed && !removed.isSelf && !recipients.some((c) => c.id === removed.id)) {
        recipients.push(removed);
      }
      body = leaving ? `${command.addr} left the group.` : `Member ${command.addr} was removed.`;
      break;
    }
    case 'name-changed':
      headers['Chat-Group-Name-Changed'] = command.oldName;
      body = 'Chat name changed.';
      break;
    case 'description-changed':
      // Delta Chat sends it empty and only checks its presence; an empty header is not sent.
      headers['Chat-Group-Description-Changed'] = '1';
      addDescriptionHeaders(headers, group);
      body = 'Chat description changed.';
      break;
    case 'avatar-changed':
      headers['Chat-Content'] = 'group-avatar-changed';
      headers['Chat-Group-Avatar'] = group.avatarBlob
        ? `base64:${(await ctx.blobs.get(group.avatarBlob)).toString('base64')}`
        : '0';
      body = 'Chat image changed.';
      break;
    default:
      break;
  }
  return {
    to: inTo.map((m) => ({
      addr: m.contact.isSelf ? ctx.addr : m.contact.addr,
      name: m.contact.displayName !== m.contact.addr ? m.contact.displayName : undefined,
    })),
    toContacts: inTo.map((m) => m.contact).filter((c) => !c.isSelf),
    recipients,
    chatHeaders: headers,
    subject: group.name,
    body,
  };
}

function addDescriptionHeaders(headers: Record<string, string>, group: GroupRow): void {
  // An empty description cannot be an encoded word (RFC 2047 wants at least one character) and
  // an empty header is not sent: it goes out as "changed" with no text, which reads as cleared.
  if (group.description === '') {
    if (group.descriptionTs > 0 && headers['Chat-Group-Description-Changed']) {
      headers['Chat-Group-Description-Timestamp'] = String(group.descriptionTs);
    }
    return;
  }
  headers['Chat-Group-Description'] =
    `=?utf-8?B?${Buffer.from(group.description, 'utf8').toString('base64')}?=`;
  if (group.descriptionTs > 0) {
    headers['Chat-Group-Description-Timestamp'] = String(group.descriptionTs);
  }
}

// ---------------------------------------------------------------------------------------------
// Incoming: reading and applying the group headers of a received message.

/** The group headers of an incoming message, read before the batch transaction. */
export interface IncomingGroup {
  grpid: string;
  name: string | null;
  nameTs: number | null;
  /** Chat-Group-Name-Changed was present: the message announces a rename. */
  nameChanged: boolean;
  memberTimestamps: number[] | null;
  memberFingerprints: string[];
  pastMembers: MailAddress[];
  added: string | null;
  removed: string | null;
  description: { text: string; ts: number | null; changed: boolean } | null;
  avatar: { blob: string | null } | null;
  avatarChanged: boolean;
  /** The message's date in seconds. */
  sentTs: number;
  /** Membership and name changes count only from encrypted mail signed by the sender. */
  trusted: boolean;
  /** Sent by a chat client (a classic mail client may add members, never remove them). */
  fromChatClient: boolean;
}

/** Read the group headers of a parsed message; null when it names no group. */
export async function readIncomingGroup(
  ctx: AccountContext,
  parsed: ParsedMail,
  m: { encryption: Encryption; timestamp: number },
): Promise<IncomingGroup | null> {
  const h = parsed.chat.headers;
  const grpid = h['chat-group-id'];
  if (!grpid || !/^[0-9A-Za-z_-]{11,32}$/.test(grpid)) return null;
  const number = (v: string | undefined) => {
    if (v === undefined || !/^\d+$/.test(v.trim())) return null;
    return Number(v.trim());
  };
  const timestamps = h['chat-group-member-timestamps']
    ?.trim()
    .split(/\s+/)
    .filter((t) => t !== '');
  let avatar: IncomingGroup['avatar'] = null;
  const avatarHeader = h['chat-group-avatar']?.replace(/\s+/g, '');
  if (avatarHeader === '0') avatar = { blob: null };
  else if (avatarHeader?.startsWith('base64:')) {
    const data = Buffer.from(avatarHeader.slice('base64:'.length), 'base64');
    if (data.length > 0 && data.length <= MAX_AVATAR_BYTES) {
      avatar = { blob: await ctx.blobs.put(data) };
    }
  }
  const description = h['chat-group-description'];
  return {
    grpid,
    name: h['chat-group-name']?.trim().slice(0, 200) ?? null,
    nameTs: number(h['chat-group-name-timestamp']),
    nameChanged: h['chat-group-name-changed'] !== undefined,
    memberTimestamps:
      timestamps && timestamps.every((t) => /^\d+$/.test(t)) ? timestamps.map(Number) : null,
    memberFingerprints: (h['chat-group-member-fpr'] ?? '')
      .trim()
      .split(/\s+/)
      .filter((f) => /^[0-9A-Fa-f]{40}$/.test(f))
      .map((f) => f.toUpperCase()),
    pastMembers: addressList(parsed.headers.get('chat-group-past-members')),
    added: h['chat-group-member-added']?.trim().toLowerCase() || null,
    removed: h['chat-group-member-removed']?.trim().toLowerCase() || null,
    description: incomingDescription(
      description,
      number(h['chat-group-description-timestamp']),
      h['chat-group-description-changed'] !== undefined,
    ),
    avatar,
    avatarChanged: h['chat-content'] === 'group-avatar-changed',
    sentTs: seconds(m.timestamp),
    trusted: m.encryption === 'encrypted',
    fromChatClient: parsed.chat.version !== undefined,
  };
}

function addressList(values: string[] | undefined): MailAddress[] {
  if (!values || values.length === 0) return [];
  const out: MailAddress[] = [];
  for (const entry of parseAddressHeader(values).value) {
    if (entry.address && entry.address.includes('@')) out.push({ addr: entry.address });
  }
  return out;
}

/** Where an incoming group message goes, and how it reads in the chat. */
export interface FiledGroupMessage {
  chatId: number;
  isNewChat: boolean;
  /** The message is a group change: show this system line instead of its text. */
  systemText: LocalLine | null;
  /** The message is a change by someone outside the group: drop it. */
  drop: boolean;
}

/**
 * File an incoming group message and apply its changes (inside the batch transaction). System
 * lines for membership changes the message implies are added to `events`.
 */
export function fileGroupMessage(
  ctx: AccountContext,
  g: IncomingGroup,
  m: { sender: Contact; recipients: MailAddress[]; timestamp: number },
  events: CoreEvent[],
): FiledGroupMessage {
  const self = ctx.addr.toLowerCase();
  const existing = ctx.chats.findGroup(g.grpid);
  const recipients = m.recipients.filter(
    (r, i, all) => all.findIndex((x) => x.addr.toLowerCase() === r.addr.toLowerCase()) === i,
  );
  const idOf = (a: MailAddress) =>
    a.addr.toLowerCase() === self ? ctx.selfContactId : ctx.contacts.upsert(a.addr, a.name).id;

  if (existing === null) {
    // A group we did not know: the first message seeds the member list.
    if (g.removed !== null && g.trusted) {
      // A late removal of a group we never saw: nothing to show.
      return { chatId: 0, isNewChat: false, systemText: null, drop: true };
    }
    const chatId = ctx.chats.createGroup(g.grpid, g.name ?? '', [], {
      isRequest: !ctx.contacts.isKnown(m.sender.id),
      now: m.timestamp,
      encrypted: g.trusted,
    });
    ctx.db.prepare('UPDATE chats SET name_ts = ? WHERE id = ?').run(g.nameTs ?? 0, chatId);
    const ts = g.memberTimestamps;
    const aligned = ts !== null && ts.length === recipients.length + g.pastMembers.length;
    applyAdd(ctx, chatId, m.sender.id, g.sentTs);
    recipients.forEach((r, i) => applyAdd(ctx, chatId, idOf(r), aligned ? ts[i]! : 0));
    if (aligned) {
      g.pastMembers.forEach((p, i) =>
        applyRemove(ctx, chatId, idOf(p), ts[recipients.length + i]!),
      );
    }
    applyDescriptionAndAvatar(ctx, chatId, g, true);
    return {
      chatId,
      isNewChat: true,
      systemText: changeText(ctx, g, m.sender, recipients),
      drop: false,
    };
  }

  const chatId = existing;
  const before = new Set(memberRows(ctx, chatId).map((r) => r.contactId));
  const selfIn = before.has(ctx.selfContactId);
  const fromInChat = !selfIn || before.has(m.sender.id);
  if (!g.trusted) {
    // Unencrypted mail never changes an encrypted group; a classic mail client may add members.
    if (!g.fromChatClient && fromInChat) {
      for (const r of recipients) applyAdd(ctx, chatId, idOf(r), g.sentTs);
    }
    announceImplicit(ctx, chatId, before, null, events);
    return { chatId, isNewChat: false, systemText: null, drop: false };
  }
  const isChange =
    g.added !== null ||
    g.removed !== null ||
    g.nameChanged ||
    g.avatarChanged ||
    (g.description?.changed ?? false);
  if (!fromInChat) {
    return { chatId, isNewChat: false, systemText: null, drop: isChange };
  }

  // Name, description, avatar: newest timestamp wins.
  const group = groupRow(ctx, chatId);
  if (g.name !== null && (g.nameChanged || (g.nameTs !== null && g.nameTs > 0))) {
    const ts = g.nameTs ?? g.sentTs;
    if (ts > group.nameTs || (ts === group.nameTs && g.name < group.name)) {
      ctx.db.prepare('UPDATE chats SET name = ?, name_ts = ? WHERE id = ?').run(g.name, ts, chatId);
    }
  }
  applyDescriptionAndAvatar(ctx, chatId, g, false);

  // Membership: per-member timestamps when the sender gives them, else the explicit change.
  let explicit: number | null = null;
  const ts = g.memberTimestamps;
  if (ts !== null && ts.length === recipients.length + g.pastMembers.length) {
    recipients.forEach((r, i) => {
      const id = idOf(r);
      if (id !== m.sender.id) applyAdd(ctx, chatId, id, ts[i]!);
    });
    g.pastMembers.forEach((p, i) => applyRemove(ctx, chatId, idOf(p), ts[recipients.length + i]!));
  } else {
    if (g.added !== null) {
      const peer = ctx.peers.lookup(g.added);
      // An addition counts only when the new member's key came with it (gossip).
      if (g.added === self || peer?.gossipKey || peer?.publicKey) {
        applyAdd(ctx, chatId, idOf({ addr: g.added }), g.sentTs);
      }
    }
    if (g.removed !== null) applyRemove(ctx, chatId, idOf({ addr: g.removed }), g.sentTs);
  }
  if (g.added !== null) explicit = idOf({ addr: g.added });
  if (g.removed !== null) explicit = idOf({ addr: g.removed });
  if (!before.has(m.sender.id) && !g.removed) applyAdd(ctx, chatId, m.sender.id, g.sentTs);
  announceImplicit(ctx, chatId, before, explicit, events);
  return {
    chatId,
    isNewChat: false,
    systemText: isChange ? changeText(ctx, g, m.sender, recipients) : null,
    drop: false,
  };
}

function applyDescriptionAndAvatar(
  ctx: AccountContext,
  chatId: number,
  g: IncomingGroup,
  isNew: boolean,
): void {
  const group = groupRow(ctx, chatId);
  if (g.description) {
    const ts = g.description.ts ?? g.sentTs;
    if (isNew || ts > group.descriptionTs) {
      ctx.db
        .prepare('UPDATE chats SET description = ?, description_ts = ? WHERE id = ?')
        .run(g.description.text, ts, chatId);
    }
  }
  if (g.avatar && (isNew || g.sentTs >= group.avatarTs)) {
    ctx.db
      .prepare('UPDATE chats SET avatar_blob = ?, avatar_ts = ? WHERE id = ?')
      .run(g.avatar.blob, g.sentTs, chatId);
  }
}

/** System lines for members that came or went without the message saying so explicitly. */
function announceImplicit(
  ctx: AccountContext,
  chatId: number,
  before: Set<number>,
  explicit: number | null,
  events: CoreEvent[],
): void {
  const after = new Set(memberRows(ctx, chatId).map((r) => r.contactId));
  // Being added to a group lists everyone: no line per member then.
  if (!before.has(ctx.selfContactId) && after.has(ctx.selfContactId)) return;
  for (const id of after) {
    if (!before.has(id) && id !== explicit) {
      const line = systemLine('member_joined', { name: nameOf(ctx.contacts.get(id)) });
      addSystemLine(ctx, chatId, line, events);
    }
  }
  for (const id of before) {
    if (!after.has(id) && id !== explicit) {
      const line =
        id === ctx.selfContactId
          ? systemLine('self_gone')
          : systemLine('member_gone', { name: nameOf(ctx.contacts.get(id)) });
      addSystemLine(ctx, chatId, line, events);
    }
  }
}

/** The line a group change message shows, from our point of view. */
function changeText(
  ctx: AccountContext,
  g: IncomingGroup,
  sender: Contact,
  recipients: MailAddress[],
): LocalLine | null {
  const by = nameOf(sender);
  const self = ctx.addr.toLowerCase();
  const named = (addr: string) => {
    const c = ctx.contacts.findByAddr(addr);
    return c ? nameOf(c) : addr;
  };
  if (g.removed !== null) {
    if (g.removed === sender.addr.toLowerCase()) return systemLine('member_left', { by });
    return g.removed === self
      ? systemLine('member_removed_you', { by })
      : systemLine('member_removed', { by, name: named(g.removed) });
  }
  if (g.added !== null) {
    if (g.added === self && recipients.length > 0) return systemLine('member_added_you', { by });
    if (g.added === self)
      return { ...systemLine('member_added_you', { by }), text: `${by} added you.` };
    return systemLine('member_added', { by, name: named(g.added) });
  }
  if (g.nameChanged && g.name !== null) return systemLine('group_renamed', { by, name: g.name });
  if (g.description?.changed) return systemLine('description_changed', { by });
  if (g.avatarChanged)
    return systemLine(g.avatar?.blob ? 'image_changed' : 'image_removed', { by });
  return null;
}

/**
 * The description a message carries: its text, or '' when it announces a change without text (a
 * cleared description), or null when it says nothing about it. An empty encoded word, which
 * earlier versions sent for a cleared description, reads as ''.
 */
function incomingDescription(
  raw: string | undefined,
  ts: number | null,
  changed: boolean,
): IncomingGroup['description'] {
  if (raw === undefined) return changed ? { text: '', ts, changed } : null;
  const text = /^=\?utf-8\?[bq]\?\?=$/i.test(raw.trim()) ? '' : raw.trim();
  return { text, ts, changed };
}

/** How a contact is named in system lines. */
export function nameOf(c: Contact): string {
  return c.displayName && c.displayName !== c.addr ? c.displayName : c.addr;
}

/** A group's details and members, as the API shows them. */
export async function groupInfo(ctx: AccountContext, chatId: number): Promise<GroupInfo> {
  const group = groupRow(ctx, chatId);
  let avatar: string | null = null;
  if (group.avatarBlob) {
    try {
      const data = await ctx.blobs.get(group.avatarBlob);
      avatar = `data:${imageTypeOf(data)};base64,${data.toString('base64')}`;
    } catch {
      avatar = null;
    }
  }
  return {
    chatId,
    groupId: group.grpid,
    name: group.name,
    description: group.description,
    avatar,
    members: memberRows(ctx, chatId).map((m) => ctx.contacts.get(m.contactId)),
    selfIsMember: isSelfMember(ctx, chatId),
  };
}
