/**
 * A stand-in for the core with scripted, in-memory data, served by the real web host
 * (`startWebHost({ core })`). It lets UI tests show states a live mail exchange rarely produces
 * on demand (a placeholder, a changed key, 100,000 messages) without a mail server. It follows
 * the API contract (inputs are parsed with the same zod schemas); it is not a second core.
 */
import { createHash } from 'node:crypto';
import { api } from '../../shared/api.ts';
import type { Input, MethodName, Output } from '../../shared/api.ts';
import type { CoreEvent } from '../../shared/events.ts';
import type {
  Account,
  Attachment,
  ChatSummary,
  Contact,
  Encryption,
  Message,
  MessageState,
} from '../../shared/types.ts';
import type { Core } from '../../main/core/core.ts';
import { CoreError } from '../../main/core/errors.ts';
import { landscapePng } from './png.ts';

type Handlers = { [M in MethodName]: (input: Input<M>) => Output<M> | Promise<Output<M>> };

interface ChatRecord {
  summary: Omit<ChatSummary, 'lastMessage' | 'unreadCount'>;
  messages: Message[];
  /** A chat whose messages are generated on demand (the 100,000-message chat). */
  bulk?: number;
}

export interface ScriptedCoreOptions {
  /** 'demo' fills one account with varied chats; 'empty' starts with no account. */
  data: 'demo' | 'empty';
  /** Wall clock of the story (ms); the demo's timestamps are relative to it. */
  now: number;
  /** Adds a chat with this many generated messages. */
  bulkMessages?: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function scriptedCore(options: ScriptedCoreOptions) {
  const listeners = new Set<(e: CoreEvent) => void>();
  const emit = (e: CoreEvent) => {
    for (const l of listeners) l(e);
  };
  const accounts: Account[] = [];
  const contacts = new Map<number, Contact>();
  const chats = new Map<number, ChatRecord>();
  const blobs = new Map<string, { data: Buffer; contentType: string }>();
  // Small ids like the real core's (1 is the account's own contact): keys and ids that collide
  // in the UI show up here too.
  let nextId = 2;
  const id = () => nextId++;
  const now = options.now;
  // New messages get times that run on from the story's clock, not the machine's.
  const startedAt = Date.now();
  const clock = () => now + (Date.now() - startedAt);

  const storeBlob = (data: Buffer, contentType: string) => {
    const hash = createHash('sha256').update(data).digest('hex');
    blobs.set(hash, { data, contentType });
    return hash;
  };

  const addContact = (addr: string, name: string, extra: Partial<Contact> = {}): Contact => {
    const contact: Contact = {
      id: id(),
      addr,
      displayName: name || addr,
      peerName: name,
      fingerprint: null,
      verified: false,
      blocked: false,
      keyChangedAt: null,
      lastSeen: null,
      isSelf: false,
      ...extra,
    };
    contacts.set(contact.id, contact);
    return contact;
  };

  const fingerprintOf = (seed: string) =>
    createHash('sha1').update(seed).digest('hex').toUpperCase();

  const self = () => accounts[0];

  const message = (
    chatId: number,
    fromId: number,
    outgoing: boolean,
    text: string,
    timestamp: number,
    extra: Partial<Message> = {},
  ): Message => ({
    id: id(),
    chatId,
    fromId,
    outgoing,
    kind: 'text',
    text,
    quotedText: null,
    subject: null,
    attachments: [],
    timestamp,
    receivedAt: timestamp,
    state: outgoing ? 'read' : 'seen',
    encryption: 'encrypted',
    error: null,
    classicEmail: false,
    rfc724Mid: `${id()}@scripted`,
    ...extra,
  });

  const bulkMessage = (chat: ChatRecord, index: number): Message => {
    const total = chat.bulk ?? 0;
    const outgoing = index % 3 === 0;
    const peer = chat.summary.contactIds[0] ?? 0;
    const long =
      index % 7 === 0
        ? ' This one is longer, so that rows have different heights and the list has to measure them as they come into view.'
        : '';
    return {
      id: 10_000_000 + index,
      chatId: chat.summary.id,
      fromId: outgoing ? 1 : peer,
      outgoing,
      kind: 'text',
      text: `Message ${index + 1}.${index % 3 === 1 ? ' Sounds good, see you then.' : ''}${long}`,
      quotedText: null,
      subject: null,
      attachments: [],
      timestamp: now - (total - index) * 17 * MINUTE,
      receivedAt: now - (total - index) * 17 * MINUTE,
      state: outgoing ? 'read' : 'seen',
      encryption: 'encrypted',
      error: null,
      classicEmail: false,
      rfc724Mid: `bulk-${index}@scripted`,
    };
  };

  const messagesOf = (chat: ChatRecord, offset: number, limit: number): Message[] => {
    if (chat.bulk !== undefined) {
      const out: Message[] = [];
      for (let i = offset; i < Math.min(chat.bulk, offset + limit); i++)
        out.push(bulkMessage(chat, i));
      return [
        ...out,
        ...chat.messages.slice(Math.max(0, offset - chat.bulk), offset + limit - chat.bulk),
      ].slice(0, limit);
    }
    return chat.messages.slice(offset, offset + limit);
  };

  const countOf = (chat: ChatRecord) => (chat.bulk ?? 0) + chat.messages.length;

  const lastOf = (chat: ChatRecord): Message | undefined =>
    chat.messages[chat.messages.length - 1] ??
    (chat.bulk ? bulkMessage(chat, chat.bulk - 1) : undefined);

  const summary = (chat: ChatRecord): ChatSummary => {
    const last = lastOf(chat);
    return {
      ...chat.summary,
      unreadCount: chat.messages.filter((m) => m.state === 'received').length,
      lastMessage: last
        ? {
            text: last.kind === 'placeholder' ? '' : last.text,
            outgoing: last.outgoing,
            timestamp: last.timestamp,
            state: last.state,
            kind: last.kind,
            senderName: null,
            system: last.system ?? null,
          }
        : null,
    };
  };

  const getChat = (chatId: number): ChatRecord => {
    const chat = chats.get(chatId);
    if (!chat) throw new CoreError('not_found', 'This chat does not exist (any more).');
    return chat;
  };

  const addChat = (contact: Contact, extra: Partial<ChatRecord['summary']> = {}): ChatRecord => {
    const chat: ChatRecord = {
      summary: {
        id: id(),
        kind: 'single',
        name: contact.displayName,
        addr: contact.addr,
        contactIds: [contact.id],
        encrypted: contact.fingerprint !== null,
        verified: contact.verified,
        isRequest: false,
        muted: false,
        archived: false,
        draft: '',
        keyChangedAt: contact.keyChangedAt,
        image: null,
        selfIsMember: true,
        ...extra,
      },
      messages: [],
    };
    chats.set(chat.summary.id, chat);
    return chat;
  };

  const createAccount = (addr: string, displayName: string): Account => {
    const account: Account = {
      id: accounts.length + 1,
      addr,
      displayName,
      status: '',
      avatar: null,
      fingerprint: fingerprintOf(addr),
      settings: {
        imap: { host: 'imap.estafette.test', port: 993, security: 'tls', user: addr },
        smtp: { host: 'smtp.estafette.test', port: 465, security: 'tls', user: addr },
        acceptInvalidCertificates: false,
      },
      connectivity: { status: 'connected' },
    };
    accounts.push(account);
    return account;
  };

  if (options.data === 'demo') seedDemo();

  function seedDemo() {
    createAccount('alice@estafette.test', 'Alice Moreau');
    const me = 1;
    const fp = (addr: string) => fingerprintOf(addr);
    const bob = addContact('bob@estafette.test', 'Bob Martin', {
      fingerprint: fp('bob'),
      verified: true,
    });
    const chloe = addContact('chloe@exemple.fr', 'Chloé Dubois', { fingerprint: fp('chloe') });
    const nora = addContact('nora.petit@example.net', 'Nora Petit');
    const news = addContact('news@rail-club.example', 'Rail Club');
    const jonas = addContact('jonas@beispiel.de', 'Jonas Weber', { fingerprint: fp('jonas') });
    const mallory = addContact('sam@example.com', 'Sam Keller', {
      fingerprint: fp('sam2'),
      keyChangedAt: now - 2 * HOUR,
    });
    const ada = addContact('ada@estafette.test', 'Ada Lindqvist', { fingerprint: fp('ada') });

    const photo = landscapePng();
    const photoBlob = storeBlob(photo, 'image/png');
    const pdf = Buffer.from('%PDF-1.4\n% scripted\n');
    const pdfBlob = storeBlob(pdf, 'application/pdf');
    const attachment = (
      blob: string,
      filename: string,
      contentType: string,
      size: number,
      isImage: boolean,
    ): Attachment => ({
      id: id(),
      blob,
      filename,
      contentType,
      size,
      isImage,
    });

    const b = addChat(bob);
    const t0 = now - DAY;
    b.messages.push(
      message(
        b.summary.id,
        bob.id,
        false,
        'Are you coming to the climbing gym tomorrow?',
        t0 - 4 * HOUR,
      ),
      message(b.summary.id, me, true, 'Yes! 6 pm works for me.', t0 - 4 * HOUR + 3 * MINUTE),
      message(
        b.summary.id,
        bob.id,
        false,
        'They set a new route on the north wall.',
        now - 90 * MINUTE,
        {
          attachments: [attachment(photoBlob, 'north-wall.png', 'image/png', photo.length, true)],
        },
      ),
      message(
        b.summary.id,
        me,
        true,
        'Looks hard. The grades are listed here: https://example.org/routes/42',
        now - 80 * MINUTE,
        { state: 'delivered' },
      ),
      message(
        b.summary.id,
        me,
        true,
        'Bringing the spare harness and the route map for the weekend.',
        now - 30 * MINUTE,
        {
          state: 'sent',
          attachments: [attachment(pdfBlob, 'route-map.pdf', 'application/pdf', 184_320, false)],
        },
      ),
      message(
        b.summary.id,
        bob.id,
        false,
        'Perfect. See you at the station at 6!',
        now - 8 * MINUTE,
        { state: 'received' },
      ),
      message(
        b.summary.id,
        bob.id,
        false,
        'I will be on the platform with the blue bag.',
        now - 7 * MINUTE,
        { state: 'received' },
      ),
      message(b.summary.id, me, true, 'On my way', now - 2 * MINUTE, { state: 'pending' }),
    );

    const r = addChat(nora, { isRequest: true, encrypted: false });
    r.messages.push(
      message(
        r.summary.id,
        nora.id,
        false,
        'Hi Alice! We met at the conference in Lyon. Would you share the slides of your talk?',
        now - 3 * HOUR,
        { state: 'received', encryption: 'none' },
      ),
    );

    const c = addChat(chloe);
    c.messages.push(
      message(c.summary.id, me, true, 'Merci pour le dîner, c’était super !', now - DAY - 2 * HOUR),
    );

    const j = addChat(jonas);
    j.messages.push(
      message(j.summary.id, jonas.id, false, 'Kannst du mir die Adresse schicken?', now - 2 * DAY),
      message(
        j.summary.id,
        me,
        true,
        'Klar: Bahnhofstraße 12, 3. Stock.',
        now - 2 * DAY + 5 * MINUTE,
        {
          state: 'failed',
          error: 'The mail server refused the message: the mailbox of jonas@beispiel.de is full.',
        },
      ),
    );

    const n = addChat(news, { encrypted: false });
    n.messages.push(
      message(
        n.summary.id,
        news.id,
        false,
        'Dear members,\n\nthe spring excursion to the old viaduct is on 12 April. Reply to this mail to book a seat.',
        now - 3 * DAY,
        {
          encryption: 'none',
          classicEmail: true,
          subject: 'Spring excursion',
          quotedText: 'On 2 March, Alice wrote:\n> Is there a trip planned this spring?',
        },
      ),
    );

    const s = addChat(mallory);
    s.messages.push(
      message(s.summary.id, mallory.id, false, '', now - 2 * HOUR, {
        kind: 'placeholder',
        encryption: 'none',
        error: 'It could not be decrypted: it was encrypted for a key this device does not have.',
      }),
      message(s.summary.id, mallory.id, false, 'Did my last message arrive?', now - 1 * HOUR, {
        encryption: 'encrypted-unverified-sender',
        error: 'It is not signed by the key this contact uses: it may not be from them.',
      }),
    );

    const a = addChat(ada, { draft: 'I’ll send the slides tonight' });
    a.messages.push(message(a.summary.id, ada.id, false, 'Thanks for the review!', now - 6 * DAY));

    if (options.bulkMessages) {
      const big = addContact('archive@estafette.test', 'Long History', { fingerprint: fp('big') });
      const chat = addChat(big);
      chat.bulk = options.bulkMessages;
    }
    // Contacts the UI may look up for the account itself.
    contacts.set(me, { ...addContact(self()?.addr ?? '', 'Alice Moreau'), id: me, isSelf: true });
  }

  const chatChanged = (accountId: number, chat: ChatRecord) =>
    emit({ type: 'chatChanged', accountId, chat: summary(chat) });

  const advance = (accountId: number, chat: ChatRecord, msg: Message, states: MessageState[]) => {
    let delay = 0;
    for (const state of states) {
      delay += 400;
      setTimeout(() => {
        msg.state = state;
        emit({ type: 'messageChanged', accountId, message: { ...msg } });
        chatChanged(accountId, chat);
      }, delay);
    }
  };

  const listChats = (query?: string) => {
    const q = query?.trim().toLowerCase();
    return [...chats.values()]
      .filter((c) => !c.summary.archived)
      .filter(
        (c) => !q || c.summary.name.toLowerCase().includes(q) || (c.summary.addr ?? '').includes(q),
      )
      .map(summary)
      .sort((x, y) => (y.lastMessage?.timestamp ?? 0) - (x.lastMessage?.timestamp ?? 0));
  };

  const scriptedInviter = (invite: string): { chat: ChatRecord; contact: Contact } => {
    const chat = [...chats.values()].find((c) => c.summary.name === 'Ada Lindqvist');
    const contact = contacts.get(chat?.summary.contactIds[0] ?? 0);
    if (!invite.startsWith('https://i.delta.chat/#') || !chat || !contact) {
      throw new CoreError('invalid_input', 'This is not an invite Estafette can read.');
    }
    return { chat, contact };
  };

  const notScripted = (): never => {
    throw new CoreError('invalid_input', 'The scripted core does not script this method yet.');
  };

  const handlers: Handlers = {
    getSystemInfo: () => ({ version: 'scripted', dataDir: '/nowhere' }),
    listAccounts: () => accounts,
    getAccount: ({ accountId }) => {
      const account = accounts.find((a) => a.id === accountId);
      if (!account) throw new CoreError('not_found', 'There is no such account.');
      return account;
    },
    addAccount: async ({ addr, password, displayName }) => {
      const steps = ['autoconfig', 'imap-login', 'smtp-login', 'keys'] as const;
      for (const step of steps) {
        emit({
          type: 'accountSetupProgress',
          addr,
          step,
          detail: step === 'imap-login' ? 'imap.estafette.test:993' : '',
        });
        await new Promise((r) => setTimeout(r, 150));
        if (step === 'imap-login' && password === 'wrong') {
          throw new CoreError(
            'auth_failed',
            'The server imap.estafette.test refused the login: the password or user name is wrong.',
          );
        }
      }
      emit({ type: 'accountSetupProgress', addr, step: 'done', detail: '' });
      return createAccount(addr, displayName ?? '');
    },
    addAccountManual: ({ addr, displayName }) => createAccount(addr, displayName ?? ''),
    removeAccount: ({ accountId }) => {
      accounts.splice(
        accounts.findIndex((a) => a.id === accountId),
        1,
      );
      return { ok: true };
    },
    setProfile: ({ accountId, displayName, status, avatar }) => {
      const account = handlers.getAccount({ accountId }) as Account;
      if (displayName !== undefined) account.displayName = displayName;
      if (status !== undefined) account.status = status;
      if (avatar !== undefined) account.avatar = avatar;
      return account;
    },
    startIo: () => ({ ok: true }),
    stopIo: () => ({ ok: true }),
    networkChanged: () => ({ ok: true }),
    listChats: ({ query }) => listChats(query),
    getChat: ({ chatId }) => summary(getChat(chatId)),
    createChatByAddress: ({ accountId, addr, name }) => {
      const existing = [...chats.values()].find((c) => c.summary.addr === addr);
      if (existing) return summary(existing);
      const chat = addChat(addContact(addr, name ?? ''));
      chatChanged(accountId, chat);
      return summary(chat);
    },
    acceptChat: ({ chatId }) => {
      const chat = getChat(chatId);
      chat.summary.isRequest = false;
      return summary(chat);
    },
    blockChat: ({ chatId }) => {
      chats.delete(chatId);
      return { ok: true };
    },
    unblockContact: () => ({ ok: true }),
    deleteChat: ({ chatId }) => {
      chats.delete(chatId);
      return { ok: true };
    },
    setChatMuted: ({ chatId, muted }) => {
      const chat = getChat(chatId);
      chat.summary.muted = muted;
      return summary(chat);
    },
    setChatArchived: ({ chatId, archived }) => {
      const chat = getChat(chatId);
      chat.summary.archived = archived;
      return summary(chat);
    },
    setDraft: ({ chatId, text }) => {
      getChat(chatId).summary.draft = text;
      return { ok: true };
    },
    markSeen: ({ accountId, chatId }) => {
      const chat = getChat(chatId);
      for (const m of chat.messages) if (m.state === 'received') m.state = 'seen';
      chatChanged(accountId, chat);
      return { ok: true };
    },
    getMessageCount: ({ chatId }) => ({ count: countOf(getChat(chatId)) }),
    getMessages: ({ chatId, offset, limit }) => messagesOf(getChat(chatId), offset, limit),
    getNewestMessages: ({ chatId, pageSize }) => {
      const chat = getChat(chatId);
      const count = countOf(chat);
      const offset = Math.max(0, Math.floor((count - pageSize) / pageSize) * pageSize);
      return { count, offset, messages: messagesOf(chat, offset, count - offset) };
    },
    getMessage: ({ messageId }) => {
      for (const chat of chats.values()) {
        const found = chat.messages.find((m) => m.id === messageId);
        if (found) return found;
      }
      throw new CoreError('not_found', 'There is no such message.');
    },
    sendMessage: ({ accountId, chatId, text, attachments }) => {
      const chat = getChat(chatId);
      const encryption: Encryption = chat.summary.encrypted ? 'encrypted' : 'none';
      const msg = message(chatId, 1, true, text, clock(), {
        state: 'pending',
        encryption,
        attachments: (attachments ?? []).map((a) => {
          const data = Buffer.from(a.dataBase64, 'base64');
          return {
            id: id(),
            filename: a.filename,
            contentType: a.contentType,
            size: data.length,
            blob: storeBlob(data, a.contentType),
            isImage: a.contentType.startsWith('image/'),
          };
        }),
      });
      chat.messages.push(msg);
      chat.summary.draft = '';
      emit({ type: 'messageAdded', accountId, message: { ...msg }, notify: false });
      chatChanged(accountId, chat);
      advance(accountId, chat, msg, ['sent', 'delivered']);
      return { ...msg };
    },
    retrySend: ({ accountId, messageId }) => {
      for (const chat of chats.values()) {
        const msg = chat.messages.find((m) => m.id === messageId);
        if (!msg) continue;
        msg.state = 'pending';
        msg.error = null;
        emit({ type: 'messageChanged', accountId, message: { ...msg } });
        advance(accountId, chat, msg, ['sent']);
        return { ...msg };
      }
      throw new CoreError('not_found', 'There is no such message.');
    },
    getBlob: ({ blob }) => {
      const found = blobs.get(blob);
      if (!found) throw new CoreError('not_found', 'This attachment is not on this device.');
      return { dataBase64: found.data.toString('base64'), contentType: found.contentType };
    },
    getContact: ({ contactId }) => {
      const contact = contacts.get(contactId);
      if (!contact) throw new CoreError('not_found', 'There is no such contact.');
      return contact;
    },
    listContacts: () => [...contacts.values()].filter((c) => !c.isSelf && !c.blocked),
    listBlockedContacts: () => [...contacts.values()].filter((c) => c.blocked),
    setContactName: ({ contactId, name }) => {
      const contact = contacts.get(contactId);
      if (!contact) throw new CoreError('not_found', 'There is no such contact.');
      contact.displayName = name || contact.peerName || contact.addr;
      return contact;
    },
    // Invites, SecureJoin, groups and vCards (issue 4) are not scripted yet.
    getInvite: notScripted,
    listInvites: notScripted,
    revokeInvite: notScripted,
    // An i.delta.chat link is an invite from Ada; joining it starts, then fails the way a
    // mismatching key does (what a live exchange rarely produces on demand).
    checkInvite: ({ invite }) => {
      const { chat, contact } = scriptedInviter(invite);
      return {
        kind: 'contact',
        addr: contact.addr,
        name: contact.displayName,
        fingerprint: contact.fingerprint ?? '',
        groupName: null,
        question: `Verify ${contact.displayName} and start a chat?`,
        own: false,
        alreadyVerified: false,
        alreadyMember: false,
        chatId: chat.summary.id,
      };
    },
    secureJoin: ({ accountId, invite }) => {
      const { chat, contact } = scriptedInviter(invite);
      const progress = (step: 'started' | 'failed', value: number, sentence: string) =>
        emit({
          type: 'secureJoinProgress',
          accountId,
          role: 'joiner',
          step,
          progress: value,
          contactId: contact.id,
          chatId: chat.summary.id,
          sentence,
        });
      progress('started', 100, `Asked ${contact.displayName} for their key…`);
      setTimeout(
        () =>
          progress(
            'failed',
            0,
            `The key ${contact.displayName} answered with does not match the invite: someone may be intercepting.`,
          ),
        1500,
      );
      return summary(chat);
    },
    createGroup: notScripted,
    getGroup: notScripted,
    getChatMembers: notScripted,
    addChatMember: notScripted,
    removeChatMember: notScripted,
    leaveGroup: notScripted,
    setChatName: notScripted,
    setChatDescription: notScripted,
    setChatAvatar: notScripted,
    exportVcard: notScripted,
    importVcard: notScripted,
    previewVcard: notScripted,
  };

  const core: Core & {
    /** Delivers an incoming message now, as the receive pipeline would. */
    receive(chatName: string, text: string): void;
  } = {
    async call<M extends MethodName>(method: M, params: unknown): Promise<Output<M>> {
      const spec = api[method];
      const parsed = spec.input.safeParse(params ?? {});
      if (!parsed.success)
        throw new CoreError('invalid_input', `The request to ${method} is not valid.`);
      const handler = handlers[method] as (input: unknown) => Output<M> | Promise<Output<M>>;
      return structuredClone(await handler(parsed.data));
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
    },
    receive(chatName, text) {
      const chat = [...chats.values()].find((c) => c.summary.name === chatName);
      if (!chat) throw new Error(`no chat ${chatName}`);
      const msg = message(chat.summary.id, chat.summary.contactIds[0] ?? 0, false, text, clock(), {
        state: 'received',
      });
      chat.messages.push(msg);
      emit({ type: 'messageAdded', accountId: 1, message: { ...msg }, notify: true });
      chatChanged(1, chat);
    },
  };
  return core;
}
