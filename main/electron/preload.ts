/**
 * The preload of the app's only page (sandboxed, context-isolated): exposes `window.estafette`,
 * nothing else. JSON-RPC texts go over a MessagePort straight to the core; the few desktop
 * features go to the main process on the channels of ipc-channels.ts. Bundled to CommonJS
 * (preload.cjs) because sandboxed preloads cannot load ES modules or local files.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { channels } from './ipc-channels.ts';

interface ChatRef {
  accountId: number;
  chatId: number;
}
interface ChatNotification extends ChatRef {
  title: string;
  body: string;
}

/** What the page sees as `window.estafette`. */
export interface EstafetteBridge {
  send(text: string): void;
  onMessage(cb: (text: string) => void): void;
  openExternal(url: string): Promise<void>;
  notify(n: ChatNotification): void;
  onOpenChat(cb: (t: ChatRef) => void): void;
  onDeepLink(cb: (url: string) => void): void;
  setUnreadCount(n: number): void;
  platform: 'darwin' | 'win32' | 'linux';
}

/** Values that arrive before the page subscribes wait here, then are handed over in order. */
function mailbox<T>() {
  const waiting: T[] = [];
  const listeners: Array<(value: T) => void> = [];
  return {
    deliver(value: T): void {
      if (listeners.length === 0) waiting.push(value);
      for (const l of listeners) l(value);
    },
    subscribe(cb: unknown): void {
      if (typeof cb !== 'function') throw new TypeError('Expected a function.');
      listeners.push(cb as (value: T) => void);
      for (const v of waiting.splice(0)) (cb as (value: T) => void)(v);
    },
  };
}

let port: MessagePort | null = null;
const unsent: string[] = [];
const coreMessages = mailbox<string>();
const openChats = mailbox<ChatRef>();
const deepLinks = mailbox<string>();

ipcRenderer.on(channels.corePort, (event) => {
  const next = event.ports[0];
  if (next === undefined) return;
  port?.close();
  port = next;
  next.onmessage = (e: MessageEvent) => {
    if (typeof e.data === 'string') coreMessages.deliver(e.data);
  };
  for (const text of unsent.splice(0)) next.postMessage(text);
});
ipcRenderer.on(channels.openChat, (_event, ref: unknown) => {
  if (isChatRef(ref)) openChats.deliver({ accountId: ref.accountId, chatId: ref.chatId });
});
ipcRenderer.on(channels.deepLink, (_event, url: unknown) => {
  if (typeof url === 'string') deepLinks.deliver(url);
});
ipcRenderer.send(channels.requestCorePort);

function isChatRef(v: unknown): v is ChatRef {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return Number.isInteger(r.accountId) && Number.isInteger(r.chatId);
}

const bridge: EstafetteBridge = {
  send(text) {
    if (typeof text !== 'string') throw new TypeError('send() takes a JSON-RPC text.');
    if (port === null) unsent.push(text);
    else port.postMessage(text);
  },
  onMessage: (cb) => coreMessages.subscribe(cb),
  async openExternal(url) {
    await ipcRenderer.invoke(channels.openExternal, String(url));
  },
  notify(n) {
    ipcRenderer.send(channels.notify, {
      title: String(n.title),
      body: String(n.body),
      accountId: Number(n.accountId),
      chatId: Number(n.chatId),
    });
  },
  onOpenChat: (cb) => openChats.subscribe(cb),
  onDeepLink: (cb) => deepLinks.subscribe(cb),
  setUnreadCount(n) {
    ipcRenderer.send(channels.setUnreadCount, Number(n));
  },
  platform:
    process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux',
};

contextBridge.exposeInMainWorld('estafette', bridge);
