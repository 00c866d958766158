/** The core's method implementations, one per entry of shared/api.ts; inputs arrive validated. */
import { mkdir } from 'node:fs/promises';
import type { z } from 'zod';
import type { api } from '../../shared/api.ts';
import type { MethodName, Output } from '../../shared/api.ts';
import type { ServerSettingsValue } from '../../shared/types.ts';
import { CoreError } from './errors.ts';
import type { EventBus } from './events.ts';
import type { AccountRegistry } from './account/registry.ts';
import { LiveAccount, secretNames } from './account/live-account.ts';
import type { AccountEnvironment } from './account/live-account.ts';
import type { CoreOptions } from './core.ts';
import { CORE_VERSION, deleteAccountFiles } from './core.ts';
import { generateAccountKey } from './crypto/keys.ts';
import { discoverSettings } from './account/discovery.ts';
import { checkImapLogin, checkSmtpLogin } from './account/login-check.ts';
import { parseServerSettings } from './account/server-settings.ts';
import { newMessageId } from './mime/compose.ts';
import type { CoreEvent } from '../../shared/events.ts';
import { checkInvite, listInvites, makeInvite } from './securejoin/invites.ts';
import { InviteTokens } from './securejoin/invite-tokens.ts';
import { noteJoinTimeout, startJoin } from './securejoin/joiner.ts';
import { exportVcard, importVcard } from './securejoin/vcard-contacts.ts';
import { previewVcard } from './securejoin/vcard-preview.ts';
import { imageTypeOf } from './store/image-type.ts';
import { verifiedKeyOf } from './securejoin/verification.ts';
import {
  addMember,
  createGroupChat,
  groupInfo,
  leaveGroup,
  memberRows,
  removeMember,
  renameGroup,
  setGroupAvatar,
  setGroupDescription,
} from './chat/groups.ts';

export interface CoreContext {
  opts: CoreOptions;
  bus: EventBus;
  registry: AccountRegistry;
  env: AccountEnvironment;
  accounts: Map<number, LiveAccount>;
}

type Handlers = {
  [M in MethodName]: (
    c: CoreContext,
    input: z.output<(typeof api)[M]['input']>,
  ) => Promise<Output<M>>;
};

function account(c: CoreContext, id: number): LiveAccount {
  const a = c.accounts.get(id);
  if (!a) throw new CoreError('not_found', 'This account does not exist.');
  return a;
}

function chatOf(a: LiveAccount, chatId: number) {
  return a.ctx.chats.summary(chatId);
}

/** Change one flag of an existing chat, announce the new summary and return it. */
function changeChat(
  c: CoreContext,
  accountId: number,
  chatId: number,
  change: (chats: LiveAccount['ctx']['chats']) => void,
) {
  const a = account(c, accountId);
  a.ctx.chats.flags(chatId); // not_found for a chat that does not exist
  change(a.ctx.chats);
  const chat = chatOf(a, chatId);
  c.bus.emit({ type: 'chatChanged', accountId: a.id, chat });
  return chat;
}

const AVATAR = /^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/=]+$/;

/** Run a group change in one transaction, then announce it and wake the outbox. */
function changeGroup(
  c: CoreContext,
  a: LiveAccount,
  chatId: number,
  change: (events: CoreEvent[]) => void,
) {
  const events: CoreEvent[] = [];
  a.ctx.db.transaction(() => change(events))();
  a.outbox.kick();
  const chat = chatOf(a, chatId);
  for (const e of events) c.bus.emit(e);
  c.bus.emit({ type: 'chatChanged', accountId: a.id, chat });
  return chat;
}

async function createAccount(
  c: CoreContext,
  input: { addr: string; password: string; smtpPassword?: string; displayName?: string },
  settings: ServerSettingsValue,
) {
  const addr = input.addr.toLowerCase();
  c.bus.emit({
    type: 'accountSetupProgress',
    addr,
    step: 'keys',
    detail: 'Creating your encryption key',
  });
  const key = await generateAccountKey(addr, input.displayName);
  const entry = c.registry.reserve();
  await mkdir(entry.dir, { recursive: true, mode: 0o700 });
  const live = await LiveAccount.create(
    entry.id,
    entry.dir,
    {
      config: {
        addr,
        displayName: input.displayName ?? '',
        status: '',
        avatar: null,
        settings,
        fingerprint: key.fingerprint,
        publicKeyArmored: key.publicArmored,
      },
      secretKeyArmored: key.secretArmored,
      password: input.password,
      smtpPassword: input.smtpPassword,
    },
    c.env,
  );
  await c.registry.add(entry);
  c.accounts.set(entry.id, live);
  if (c.opts.startIo !== false) await live.startIo();
  c.bus.emit({ type: 'accountSetupProgress', addr, step: 'done', detail: 'Ready' });
  c.bus.emit({ type: 'accountsChanged' });
  return live.toApi();
}

function assertNew(c: CoreContext, addr: string) {
  for (const a of c.accounts.values()) {
    if (a.addr.toLowerCase() === addr.toLowerCase()) {
      throw new CoreError('account_exists', `${addr} is already set up in Estafette.`, {
        detail: { code: 'account_exists', args: { address: addr } },
      });
    }
  }
}

export const handlers: Handlers = {
  async getSystemInfo(c) {
    return { version: CORE_VERSION, dataDir: c.opts.dataDir };
  },

  async listAccounts(c) {
    return [...c.accounts.values()].map((a) => a.toApi());
  },
  async getAccount(c, i) {
    return account(c, i.accountId).toApi();
  },
  async addAccount(c, i) {
    assertNew(c, i.addr);
    const settings = await discoverSettings(i.addr, i.password, {
      autoconfigUrls: c.opts.autoconfigUrls,
      trustedCertificates: c.env.trustedCertificates,
      onProgress: (p) =>
        c.bus.emit({
          type: 'accountSetupProgress',
          addr: i.addr.toLowerCase(),
          step: p.step,
          detail: p.detail,
        }),
    });
    return createAccount(c, i, settings.settings);
  },
  async addAccountManual(c, i) {
    assertNew(c, i.addr);
    // Normalizes host names and refuses unencrypted connections to anything but loopback.
    const settings = parseServerSettings(i.settings);
    const security = {
      trustedCertificates: c.env.trustedCertificates,
      acceptInvalidCertificates: i.settings.acceptInvalidCertificates,
    };
    c.bus.emit({
      type: 'accountSetupProgress',
      addr: i.addr,
      step: 'imap-login',
      detail: i.settings.imap.host,
    });
    await checkImapLogin(settings.imap, i.password, security);
    c.bus.emit({
      type: 'accountSetupProgress',
      addr: i.addr,
      step: 'smtp-login',
      detail: i.settings.smtp.host,
    });
    await checkSmtpLogin(settings.smtp, i.smtpPassword ?? i.password, security);
    return createAccount(c, i, settings);
  },
  async removeAccount(c, i) {
    const a = account(c, i.accountId);
    await a.close();
    c.accounts.delete(i.accountId);
    await c.registry.remove(i.accountId);
    const names = secretNames(i.accountId);
    for (const n of Object.values(names)) await c.env.secrets.delete(n);
    await deleteAccountFiles(a.dir);
    c.bus.emit({ type: 'accountsChanged' });
    return { ok: true };
  },
  async setProfile(c, i) {
    const a = account(c, i.accountId);
    if (i.avatar && !AVATAR.test(i.avatar)) {
      throw new CoreError('invalid_input', 'The avatar must be a PNG, JPEG or WebP image.');
    }
    a.updateProfile({ displayName: i.displayName, status: i.status, avatar: i.avatar });
    c.bus.emit({ type: 'accountsChanged' });
    return a.toApi();
  },
  async startIo(c, i) {
    await account(c, i.accountId).startIo();
    return { ok: true };
  },
  async stopIo(c, i) {
    await account(c, i.accountId).stopIo();
    return { ok: true };
  },
  async networkChanged(c) {
    for (const a of c.accounts.values()) a.retryNow();
    return { ok: true };
  },

  async listChats(c, i) {
    return account(c, i.accountId).ctx.chats.list({
      query: i.query,
      archived: i.archived ?? false,
    });
  },
  async getChat(c, i) {
    return chatOf(account(c, i.accountId), i.chatId);
  },
  async createChatByAddress(c, i) {
    const a = account(c, i.accountId);
    const { ctx } = a;
    if (i.addr.toLowerCase() === a.addr.toLowerCase()) {
      throw new CoreError('invalid_input', 'That is your own address.', {
        detail: { code: 'own_address', args: {} },
      });
    }
    const chatId = ctx.db.transaction(() => {
      const contact = ctx.contacts.upsert(i.addr, undefined, { known: true });
      if (i.name) ctx.contacts.setGivenName(contact.id, i.name);
      if (contact.blocked) ctx.contacts.setBlocked(contact.id, false);
      const existing = ctx.chats.findSingle(contact.id);
      if (existing !== null) {
        ctx.chats.accept(existing);
        return existing;
      }
      const created = ctx.chats.createSingle(contact.id, { isRequest: false, now: ctx.now() });
      // With a key already at hand (a vCard, gossip, an earlier verification) the chat is
      // encrypted from its first message, so it says so from the start, by the send rule.
      const peer = ctx.peers.lookup(contact.addr);
      if (
        verifiedKeyOf(ctx, contact.id) !== null ||
        (peer?.publicKey && peer.preferEncrypt === 'mutual')
      ) {
        ctx.chats.markEncrypted(created);
      }
      return created;
    })();
    const chat = chatOf(a, chatId);
    c.bus.emit({ type: 'chatChanged', accountId: a.id, chat });
    return chat;
  },
  async acceptChat(c, i) {
    const a = account(c, i.accountId);
    const { ctx } = a;
    ctx.db.transaction(() => {
      ctx.chats.accept(i.chatId);
      for (const id of ctx.chats.members(i.chatId))
        ctx.contacts.upsert(ctx.contacts.get(id).addr, undefined, { known: true });
    })();
    const chat = chatOf(a, i.chatId);
    c.bus.emit({ type: 'chatChanged', accountId: a.id, chat });
    return chat;
  },
  async blockChat(c, i) {
    const a = account(c, i.accountId);
    const { ctx } = a;
    const flags = ctx.chats.flags(i.chatId);
    ctx.db.transaction(() => {
      if (flags.kind === 'single' && flags.contactId !== null)
        ctx.contacts.setBlocked(flags.contactId, true);
      ctx.chats.delete(i.chatId);
    })();
    c.bus.emit({ type: 'chatDeleted', accountId: a.id, chatId: i.chatId });
    if (flags.contactId !== null)
      c.bus.emit({ type: 'contactChanged', accountId: a.id, contactId: flags.contactId });
    return { ok: true };
  },
  async unblockContact(c, i) {
    const a = account(c, i.accountId);
    a.ctx.contacts.get(i.contactId);
    a.ctx.contacts.setBlocked(i.contactId, false);
    c.bus.emit({ type: 'contactChanged', accountId: a.id, contactId: i.contactId });
    return { ok: true };
  },
  async deleteChat(c, i) {
    const a = account(c, i.accountId);
    a.ctx.chats.flags(i.chatId);
    a.ctx.chats.delete(i.chatId);
    c.bus.emit({ type: 'chatDeleted', accountId: a.id, chatId: i.chatId });
    return { ok: true };
  },
  async setChatMuted(c, i) {
    return changeChat(c, i.accountId, i.chatId, (chats) => chats.setMuted(i.chatId, i.muted));
  },
  async setChatArchived(c, i) {
    return changeChat(c, i.accountId, i.chatId, (chats) => chats.setArchived(i.chatId, i.archived));
  },
  async setDraft(c, i) {
    const a = account(c, i.accountId);
    a.ctx.chats.flags(i.chatId);
    a.ctx.chats.setDraft(i.chatId, i.text);
    return { ok: true };
  },
  async markSeen(c, i) {
    const a = account(c, i.accountId);
    a.ctx.chats.flags(i.chatId);
    const seen = a.ctx.messages.markSeen(i.chatId);
    if (seen.changed > 0) {
      a.markSeenOnServer(seen.uids);
      c.bus.emit({ type: 'chatChanged', accountId: a.id, chat: chatOf(a, i.chatId) });
    }
    return { ok: true };
  },

  async getMessageCount(c, i) {
    const a = account(c, i.accountId);
    a.ctx.chats.flags(i.chatId);
    return { count: a.ctx.messages.count(i.chatId) };
  },
  async getMessages(c, i) {
    return account(c, i.accountId).ctx.messages.page(i.chatId, i.offset, i.limit);
  },
  async getNewestMessages(c, i) {
    const a = account(c, i.accountId);
    a.ctx.chats.flags(i.chatId);
    return a.ctx.messages.newest(i.chatId, i.pageSize);
  },
  async getMessage(c, i) {
    return account(c, i.accountId).ctx.messages.get(i.messageId);
  },
  async sendMessage(c, i) {
    const a = account(c, i.accountId);
    const { ctx } = a;
    const flags = ctx.chats.flags(i.chatId);
    if (flags.isRequest) {
      throw new CoreError('invalid_input', 'Accept this contact request before you reply.');
    }
    const files = i.attachments ?? [];
    if (i.text.trim() === '' && files.length === 0) {
      throw new CoreError('invalid_input', 'There is nothing to send.');
    }
    const stored: { filename: string; contentType: string; size: number; blob: string }[] = [];
    for (const f of files) {
      const content = Buffer.from(f.dataBase64, 'base64');
      stored.push({
        filename: f.filename.replace(/[/\\\0]/g, '_'),
        contentType: /^[\w.+-]+\/[\w.+-]+$/.test(f.contentType)
          ? f.contentType.toLowerCase()
          : 'application/octet-stream',
        size: content.length,
        blob: await ctx.blobs.put(content),
      });
    }
    const now = a.nextOutgoingTimestamp();
    const id = ctx.db.transaction(() => {
      const messageId = ctx.messages.insert({
        chatId: i.chatId,
        fromId: ctx.selfContactId,
        outgoing: true,
        kind: 'text',
        text: i.text,
        timestamp: now,
        receivedAt: now,
        state: 'pending',
        encryption: flags.encrypted ? 'encrypted' : 'none',
        rfc724Mid: newMessageId(),
        attachments: stored,
      });
      ctx.chats.setDraft(i.chatId, '');
      ctx.chats.bump(i.chatId, now);
      a.outbox.enqueue(messageId);
      return messageId;
    })();
    const message = ctx.messages.get(id);
    c.bus.emit({ type: 'messageAdded', accountId: a.id, message, notify: false });
    c.bus.emit({ type: 'chatChanged', accountId: a.id, chat: chatOf(a, i.chatId) });
    a.outbox.kick();
    return message;
  },
  async retrySend(c, i) {
    const a = account(c, i.accountId);
    const m = a.ctx.messages.get(i.messageId);
    if (!m.outgoing)
      throw new CoreError('invalid_input', 'Only your own messages can be sent again.');
    if (m.state === 'failed') {
      a.ctx.db.transaction(() => {
        a.ctx.messages.setState(m.id, 'pending', null);
        a.outbox.enqueue(m.id);
      })();
    } else if (m.state !== 'pending') {
      throw new CoreError('invalid_input', 'This message was already sent.');
    }
    a.outbox.retryNow();
    const message = a.ctx.messages.get(m.id);
    c.bus.emit({ type: 'messageChanged', accountId: a.id, message });
    return message;
  },
  async getBlob(c, i) {
    const a = account(c, i.accountId);
    const row = a.db
      .prepare<[string], { content_type: string }>(
        'SELECT content_type FROM attachments WHERE blob = ? LIMIT 1',
      )
      .get(i.blob);
    if (row) {
      const data = await a.ctx.blobs.get(i.blob);
      return { dataBase64: data.toString('base64'), contentType: row.content_type };
    }
    // A group's image is a blob too, without an attachment row: typed by its own bytes.
    const isChatImage = a.db
      .prepare('SELECT 1 FROM chats WHERE avatar_blob = ? LIMIT 1')
      .get(i.blob);
    if (!isChatImage) throw new CoreError('not_found', 'This attachment does not exist.');
    const data = await a.ctx.blobs.get(i.blob);
    return { dataBase64: data.toString('base64'), contentType: imageTypeOf(data) };
  },

  async getContact(c, i) {
    return account(c, i.accountId).ctx.contacts.get(i.contactId);
  },
  async listContacts(c, i) {
    return account(c, i.accountId).ctx.contacts.list(i.query, false);
  },
  async listBlockedContacts(c, i) {
    return account(c, i.accountId).ctx.contacts.list(undefined, true);
  },
  async setContactName(c, i) {
    const a = account(c, i.accountId);
    a.ctx.contacts.get(i.contactId);
    const contact = a.ctx.contacts.setGivenName(i.contactId, i.name);
    c.bus.emit({ type: 'contactChanged', accountId: a.id, contactId: i.contactId });
    return contact;
  },

  // Invites and SecureJoin (main/core/securejoin/)
  async getInvite(c, i) {
    return makeInvite(account(c, i.accountId).ctx, i.chatId ?? null);
  },
  async listInvites(c, i) {
    return listInvites(account(c, i.accountId).ctx, i.chatId ?? null);
  },
  async revokeInvite(c, i) {
    const a = account(c, i.accountId);
    if (!new InviteTokens(a.db).revoke(i.inviteId, a.ctx.now())) {
      throw new CoreError('not_found', 'This invite does not exist or was already withdrawn.');
    }
    return { ok: true };
  },
  async checkInvite(c, i) {
    return checkInvite(account(c, i.accountId).ctx, i.invite);
  },
  async secureJoin(c, i) {
    const a = account(c, i.accountId);
    const started = await startJoin(a.ctx, i.invite);
    for (const e of started.events) c.bus.emit(e);
    const joinId = started.joinId;
    if (joinId !== null) {
      const timer = setTimeout(() => {
        if (c.accounts.get(a.id) !== a) return;
        for (const e of noteJoinTimeout(a.ctx, joinId)) c.bus.emit(e);
      }, c.opts.secureJoinTimeoutMs ?? 60_000);
      timer.unref?.();
    }
    return chatOf(a, started.chatId);
  },

  // Groups (main/core/chat/groups.ts)
  async createGroup(c, i) {
    const a = account(c, i.accountId);
    const chatId = createGroupChat(a.ctx, {
      name: i.name,
      contactIds: i.contactIds,
      now: a.ctx.now(),
    });
    const chat = chatOf(a, chatId);
    c.bus.emit({ type: 'chatChanged', accountId: a.id, chat });
    return chat;
  },
  async getGroup(c, i) {
    return groupInfo(account(c, i.accountId).ctx, i.chatId);
  },
  async getChatMembers(c, i) {
    const { ctx } = account(c, i.accountId);
    const flags = ctx.chats.flags(i.chatId);
    const ids =
      flags.kind === 'group'
        ? memberRows(ctx, i.chatId).map((m) => m.contactId)
        : ctx.chats.members(i.chatId);
    return ids.map((id) => ctx.contacts.get(id));
  },
  async addChatMember(c, i) {
    const a = account(c, i.accountId);
    return changeGroup(c, a, i.chatId, (events) => addMember(a.ctx, i.chatId, i.contactId, events));
  },
  async removeChatMember(c, i) {
    const a = account(c, i.accountId);
    return changeGroup(c, a, i.chatId, (events) =>
      removeMember(a.ctx, i.chatId, i.contactId, events),
    );
  },
  async leaveGroup(c, i) {
    const a = account(c, i.accountId);
    return changeGroup(c, a, i.chatId, (events) => leaveGroup(a.ctx, i.chatId, events));
  },
  async setChatName(c, i) {
    const a = account(c, i.accountId);
    return changeGroup(c, a, i.chatId, (events) => renameGroup(a.ctx, i.chatId, i.name, events));
  },
  async setChatDescription(c, i) {
    const a = account(c, i.accountId);
    return changeGroup(c, a, i.chatId, (events) =>
      setGroupDescription(a.ctx, i.chatId, i.description, events),
    );
  },
  async setChatAvatar(c, i) {
    const a = account(c, i.accountId);
    if (i.avatar !== null && !AVATAR.test(i.avatar)) {
      throw new CoreError('invalid_input', 'The group image must be a PNG, JPEG or WebP image.');
    }
    const blob =
      i.avatar === null
        ? null
        : await a.ctx.blobs.put(Buffer.from(i.avatar.slice(i.avatar.indexOf(',') + 1), 'base64'));
    return changeGroup(c, a, i.chatId, (events) => setGroupAvatar(a.ctx, i.chatId, blob, events));
  },

  // vCards (main/core/securejoin/vcard-contacts.ts)
  async exportVcard(c, i) {
    const { ctx } = account(c, i.accountId);
    const ids = i.self ? [ctx.selfContactId, ...i.contactIds] : i.contactIds;
    return { vcard: await exportVcard(ctx, ids) };
  },
  async previewVcard(c, i) {
    return previewVcard(account(c, i.accountId).ctx, i.vcard);
  },
  async importVcard(c, i) {
    const a = account(c, i.accountId);
    const events: CoreEvent[] = [];
    const contacts = await importVcard(a.ctx, i.vcard, events);
    for (const e of events) c.bus.emit(e);
    return contacts;
  },
};
