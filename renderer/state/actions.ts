/**
 * What the UI can do: each action calls the core through the runtime and applies the result to
 * the store. Events from the core keep the store current afterwards (see core-events.ts).
 */
import type { Input } from '../../shared/api.ts';
import type { Account, ChatSummary } from '../../shared/types.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { applyCoreEvent } from './core-events.ts';
import {
  displayOrder,
  initialState,
  unreadOf,
  withAccount,
  withChat,
  withoutChat,
} from './app-state.ts';
import type { AppState, Dialog } from './app-state.ts';
import { errorSentence } from './errors.ts';
import { loadPreferences, savePreferences } from './preferences.ts';
import type { Preferences } from './preferences.ts';
import { Store } from './store.ts';

const TOAST_MS = 6000;

export class AppActions {
  readonly store: Store<AppState>;
  private nextToastId = 1;
  private lastUnread = -1;

  readonly runtime: Runtime;

  constructor(runtime: Runtime) {
    this.runtime = runtime;
    this.store = new Store(initialState(loadPreferences()));
  }

  /** Connects the store to the core: loads everything once per (re)connection, then follows events. */
  start(): void {
    this.runtime.onEvent((event) => applyCoreEvent(this, event));
    this.runtime.onLinkChange((link) => {
      this.store.update((s) => ({ ...s, link }));
      if (link === 'open') void this.reload();
    });
    this.runtime.onOpenChat(({ accountId, chatId }) => this.openChat(accountId, chatId));
    // The machine's network came back: the core retries IMAP and the outbox now, not after its
    // backoff.
    window.addEventListener('online', () => void this.retryConnections());
    this.runtime.onDeepLink((url) => this.openDeepLink(url));
    this.store.subscribe(() => this.syncUnreadCount());
    const link = this.runtime.linkState;
    this.store.update((s) => ({ ...s, link }));
    if (link === 'open') void this.reload();
  }

  private syncUnreadCount(): void {
    const { chats } = this.store.get();
    let total = 0;
    for (const list of Object.values(chats)) total += unreadOf(list);
    if (total !== this.lastUnread) {
      this.lastUnread = total;
      this.runtime.setUnreadCount(total);
    }
  }

  /** Loads the accounts and the chats of each (after start and after a reconnect). */
  async reload(): Promise<void> {
    try {
      const accounts = await this.runtime.call('listAccounts', {});
      const lists = await Promise.all(
        accounts.map((a) => this.runtime.call('listChats', { accountId: a.id })),
      );
      const chats: Record<number, ChatSummary[]> = {};
      accounts.forEach((a, i) => (chats[a.id] = lists[i] ?? []));
      this.store.update((s) => {
        const keep = accounts.some((a) => a.id === s.selectedAccountId);
        const selectedAccountId = keep ? s.selectedAccountId : (accounts[0]?.id ?? null);
        return {
          ...s,
          ready: true,
          loadError: null,
          accounts,
          chats,
          selectedAccountId,
          selectedChatId: keep ? s.selectedChatId : null,
        };
      });
      for (const account of accounts) {
        if (account.connectivity.status === 'not-started') void this.startIo(account.id);
      }
    } catch (e) {
      this.store.update((s) => ({ ...s, ready: true, loadError: errorSentence(e) }));
    }
  }

  private async startIo(accountId: number): Promise<void> {
    try {
      await this.runtime.call('startIo', { accountId });
    } catch (e) {
      this.toast(errorSentence(e));
    }
  }

  toast(text: string): void {
    const id = this.nextToastId++;
    this.store.update((s) => ({ ...s, toasts: [...s.toasts, { id, text }] }));
    setTimeout(() => this.dismissToast(id), TOAST_MS);
  }

  dismissToast(id: number): void {
    this.store.update((s) => ({ ...s, toasts: s.toasts.filter((t) => t.id !== id) }));
  }

  selectAccount(accountId: number): void {
    this.store.update((s) =>
      s.selectedAccountId === accountId && !s.addingAccount
        ? s
        : { ...s, selectedAccountId: accountId, selectedChatId: null, addingAccount: false },
    );
  }

  openChat(accountId: number, chatId: number | null): void {
    this.store.update((s) => ({
      ...s,
      selectedAccountId: accountId,
      selectedChatId: chatId,
      addingAccount: false,
    }));
  }

  /** Opens the next (+1) or previous (-1) chat of the list (Alt+Down, Alt+Up). */
  openAdjacentChat(step: 1 | -1): void {
    const s = this.store.get();
    if (s.selectedAccountId === null) return;
    const order = displayOrder(s.chats[s.selectedAccountId] ?? []);
    const at = order.findIndex((c) => c.id === s.selectedChatId);
    const next = order[at === -1 ? (step > 0 ? 0 : order.length - 1) : at + step];
    if (next) this.openChat(s.selectedAccountId, next.id);
  }

  openDialog(dialog: Dialog | null): void {
    this.store.update((s) => ({ ...s, dialog }));
  }

  startAddingAccount(adding: boolean): void {
    this.store.update((s) => ({ ...s, addingAccount: adding, setup: null, dialog: null }));
  }

  setPreferences(change: Partial<Preferences>): void {
    this.store.update((s) => {
      const preferences = { ...s.preferences, ...change };
      savePreferences(preferences);
      return { ...s, preferences };
    });
  }

  /** Creates an account from an address and password (discovery) or explicit settings. */
  async addAccount(
    request:
      | { kind: 'auto'; params: Input<'addAccount'> }
      | { kind: 'manual'; params: Input<'addAccountManual'> },
  ): Promise<Account> {
    this.store.update((s) => ({
      ...s,
      setup: { addr: request.params.addr, step: 'autoconfig', detail: '' },
    }));
    try {
      const account =
        request.kind === 'auto'
          ? await this.runtime.call('addAccount', request.params)
          : await this.runtime.call('addAccountManual', request.params);
      const chats = await this.runtime.call('listChats', { accountId: account.id });
      this.store.update((s) => ({
        ...withAccount(s, account),
        chats: { ...s.chats, [account.id]: chats },
        selectedAccountId: account.id,
        selectedChatId: null,
        addingAccount: false,
        setup: null,
      }));
      if (account.connectivity.status === 'not-started') await this.startIo(account.id);
      return account;
    } catch (e) {
      this.store.update((s) => ({ ...s, setup: null }));
      throw e;
    }
  }

  async removeAccount(accountId: number): Promise<void> {
    await this.runtime.call('removeAccount', { accountId });
    this.store.update((s) => {
      const accounts = s.accounts.filter((a) => a.id !== accountId);
      const chats = { ...s.chats };
      delete chats[accountId];
      const selectedAccountId =
        s.selectedAccountId === accountId ? (accounts[0]?.id ?? null) : s.selectedAccountId;
      return {
        ...s,
        accounts,
        chats,
        selectedAccountId,
        selectedChatId: s.selectedAccountId === accountId ? null : s.selectedChatId,
        dialog: null,
      };
    });
  }

  async setProfile(params: Input<'setProfile'>): Promise<void> {
    const account = await this.runtime.call('setProfile', params);
    this.store.update((s) => withAccount(s, account));
  }

  async createChat(accountId: number, addr: string, name?: string): Promise<void> {
    const chat = await this.runtime.call('createChatByAddress', {
      accountId,
      addr,
      ...(name ? { name } : {}),
    });
    this.store.update((s) => ({ ...withChat(s, accountId, chat), dialog: null }));
    this.openChat(accountId, chat.id);
  }

  async acceptChat(accountId: number, chatId: number): Promise<void> {
    const chat = await this.runtime.call('acceptChat', { accountId, chatId });
    this.store.update((s) => withChat(s, accountId, chat));
  }

  async blockChat(accountId: number, chatId: number): Promise<void> {
    await this.runtime.call('blockChat', { accountId, chatId });
    this.store.update((s) => withoutChat(s, accountId, chatId));
  }

  async deleteChat(accountId: number, chatId: number): Promise<void> {
    await this.runtime.call('deleteChat', { accountId, chatId });
    this.store.update((s) => withoutChat(s, accountId, chatId));
  }

  /** Keeps the unsent text of a chat, in the core and in the chat's summary here. */
  async saveDraft(accountId: number, chatId: number, text: string): Promise<void> {
    this.store.update((s) => {
      const chat = s.chats[accountId]?.find((c) => c.id === chatId);
      return chat && chat.draft !== text ? withChat(s, accountId, { ...chat, draft: text }) : s;
    });
    try {
      await this.runtime.call('setDraft', { accountId, chatId, text });
    } catch (e) {
      this.toast(errorSentence(e));
    }
  }

  async setMuted(accountId: number, chatId: number, muted: boolean): Promise<void> {
    const chat = await this.runtime.call('setChatMuted', { accountId, chatId, muted });
    this.store.update((s) => withChat(s, accountId, chat));
  }

  /** Asks the core to reconnect every account now instead of waiting for its backoff. */
  async retryConnections(): Promise<void> {
    try {
      await this.runtime.call('networkChanged', {});
    } catch (e) {
      this.toast(errorSentence(e));
    }
  }

  /** Accepts an invite: SecureJoin starts, and its chat opens where the progress shows. */
  async secureJoin(accountId: number, invite: string): Promise<void> {
    const chat = await this.runtime.call('secureJoin', { accountId, invite });
    this.store.update((s) => ({
      ...withChat(s, accountId, chat),
      dialog: null,
      // Events of this run may have come before the answer; keep them, else start afresh.
      join:
        s.join?.accountId === accountId && s.join.chatId === chat.id
          ? s.join
          : { accountId, chatId: chat.id, step: 'started', progress: 100, sentence: '' },
    }));
    this.openChat(accountId, chat.id);
  }

  async createGroup(accountId: number, name: string, contactIds: number[]): Promise<void> {
    const chat = await this.runtime.call('createGroup', { accountId, name, contactIds });
    this.store.update((s) => ({ ...withChat(s, accountId, chat), dialog: null }));
    this.openChat(accountId, chat.id);
  }

  /** Applies a chat summary a group change returned. */
  applyChat(accountId: number, chat: ChatSummary): void {
    this.store.update((s) => withChat(s, accountId, chat));
  }

  private openDeepLink(url: string): void {
    const state = this.store.get();
    if (state.selectedAccountId === null) return;
    const lower = url.toLowerCase();
    if (lower.startsWith('openpgp4fpr:')) {
      // An invite: checked by the core, confirmed by the person, then SecureJoin.
      this.openDialog({ kind: 'join', invite: url });
      return;
    }
    let addr = '';
    if (lower.startsWith('mailto:')) {
      addr = decodeURIComponent(url.slice('mailto:'.length).split('?')[0] ?? '');
    }
    this.openDialog({ kind: 'newChat', addr });
  }
}
