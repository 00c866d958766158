/** The UI's state and the pure changes the core's events make to it. */
import type {
  Account,
  ChatSummary,
  Connectivity,
  SecureJoinStep,
  SystemLine,
} from '../../shared/types.ts';
import type { LinkState } from '../runtime/runtime.ts';
import type { Preferences } from './preferences.ts';

export type SetupStep = 'autoconfig' | 'guess' | 'imap-login' | 'smtp-login' | 'keys' | 'done';

export interface SetupProgress {
  addr: string;
  step: SetupStep;
  detail: string;
}

export type Dialog =
  | { kind: 'newChat'; addr?: string }
  | { kind: 'contact'; chatId: number }
  | { kind: 'settings' }
  /** Our invite (QR code and link): to verify us and chat, or with `chatId` to join that group. */
  | { kind: 'invite'; chatId?: number }
  /** Accept someone's invite; `invite` is checked at once (a pasted link or a deep link). */
  | { kind: 'join'; invite?: string }
  | { kind: 'newGroup' };

/** The latest SecureJoin run we started as joiner, as its events tell it. */
export interface JoinProgress {
  accountId: number;
  chatId: number | null;
  step: SecureJoinStep;
  progress: number;
  sentence: string;
  /** What `sentence` says, to show it in the UI's language. */
  system?: SystemLine;
}

export interface Toast {
  id: number;
  text: string;
}

export interface AppState {
  link: LinkState;
  /** False until the first list of accounts arrived. */
  ready: boolean;
  /** Why the first load failed, as a sentence. */
  loadError: string | null;
  accounts: readonly Account[];
  selectedAccountId: number | null;
  /** Chats of every account, newest first. */
  chats: Readonly<Record<number, readonly ChatSummary[]>>;
  selectedChatId: number | null;
  /** True while the person adds an account although one exists. */
  addingAccount: boolean;
  setup: SetupProgress | null;
  dialog: Dialog | null;
  preferences: Preferences;
  toasts: readonly Toast[];
  join: JoinProgress | null;
}

export function initialState(preferences: Preferences): AppState {
  return {
    link: 'connecting',
    ready: false,
    loadError: null,
    accounts: [],
    selectedAccountId: null,
    chats: {},
    selectedChatId: null,
    addingAccount: false,
    setup: null,
    dialog: null,
    preferences,
    toasts: [],
    join: null,
  };
}

function chatTime(chat: ChatSummary): number {
  return chat.lastMessage?.timestamp ?? 0;
}

/** Puts one changed summary in its place (newest first) without touching the others. */
export function upsertChat(list: readonly ChatSummary[], chat: ChatSummary): ChatSummary[] {
  const rest = list.filter((c) => c.id !== chat.id);
  if (chat.archived) return rest;
  const at = rest.findIndex((c) => chatTime(c) < chatTime(chat));
  if (at === -1) rest.push(chat);
  else rest.splice(at, 0, chat);
  return rest;
}

export function withChat(state: AppState, accountId: number, chat: ChatSummary): AppState {
  const list = state.chats[accountId];
  if (!list) return state;
  return { ...state, chats: { ...state.chats, [accountId]: upsertChat(list, chat) } };
}

export function withoutChat(state: AppState, accountId: number, chatId: number): AppState {
  const list = state.chats[accountId];
  const next: AppState = list
    ? { ...state, chats: { ...state.chats, [accountId]: list.filter((c) => c.id !== chatId) } }
    : state;
  if (state.selectedAccountId === accountId && state.selectedChatId === chatId) {
    return { ...next, selectedChatId: null, dialog: null };
  }
  return next;
}

export function withConnectivity(
  state: AppState,
  accountId: number,
  connectivity: Connectivity,
): AppState {
  return {
    ...state,
    accounts: state.accounts.map((a) => (a.id === accountId ? { ...a, connectivity } : a)),
  };
}

export function withAccount(state: AppState, account: Account): AppState {
  const exists = state.accounts.some((a) => a.id === account.id);
  return {
    ...state,
    accounts: exists
      ? state.accounts.map((a) => (a.id === account.id ? account : a))
      : [...state.accounts, account],
  };
}

export function selectedAccount(state: AppState): Account | null {
  return state.accounts.find((a) => a.id === state.selectedAccountId) ?? null;
}

export function selectedChat(state: AppState): ChatSummary | null {
  if (state.selectedAccountId === null || state.selectedChatId === null) return null;
  return state.chats[state.selectedAccountId]?.find((c) => c.id === state.selectedChatId) ?? null;
}

/** The order the chat list shows: contact requests first, then the others, newest first. */
export function displayOrder(chats: readonly ChatSummary[]): ChatSummary[] {
  return [...chats.filter((c) => c.isRequest), ...chats.filter((c) => !c.isRequest)];
}

/** Unread messages of chats that may notify (muted chats do not count). */
export function unreadOf(chats: readonly ChatSummary[] | undefined): number {
  let sum = 0;
  for (const chat of chats ?? []) if (!chat.muted) sum += chat.unreadCount;
  return sum;
}
