/**
 * The runtime of a page served by the web host: JSON-RPC over a WebSocket to `/rpc` on the
 * same origin. The host set an HttpOnly cookie when the page was opened with `?token=`, so the
 * socket authenticates without the page ever seeing the token.
 */
import type { Input, MethodName, Output } from '../../shared/api.ts';
import type { CoreEvent } from '../../shared/events.ts';
import { JsonRpcClient } from './json-rpc-client.ts';
import { isSafeExternalUrl } from './runtime.ts';
import type {
  LinkState,
  NotificationRequest,
  OpenChatTarget,
  Runtime,
  Unsubscribe,
} from './runtime.ts';

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 15_000;

export class BrowserRuntime implements Runtime {
  readonly platform = 'browser';
  private socket: WebSocket | null = null;
  private readonly queue: string[] = [];
  private readonly client = new JsonRpcClient((text) => this.send(text));
  private readonly linkListeners = new Set<(state: LinkState) => void>();
  private readonly openChatListeners = new Set<(target: OpenChatTarget) => void>();
  private state: LinkState = 'connecting';
  private backoff = MIN_BACKOFF_MS;
  private readonly baseTitle = document.title;

  private readonly url: string;

  constructor(url = BrowserRuntime.defaultUrl()) {
    this.url = url;
    this.connect();
    // A machine waking up or a network coming back: try at once instead of waiting.
    window.addEventListener('online', () => {
      if (this.state === 'closed') this.reconnectNow();
    });
  }

  static defaultUrl(): string {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}/rpc`;
  }

  get linkState(): LinkState {
    return this.state;
  }

  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  private connect(): void {
    this.setState('connecting');
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.backoff = MIN_BACKOFF_MS;
      this.setState('open');
      for (const text of this.queue.splice(0)) socket.send(text);
    });
    socket.addEventListener('message', (event) => {
      if (typeof event.data === 'string') this.client.receive(event.data);
    });
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.client.failAll('The connection to Estafette was lost.');
      this.setState('closed');
      this.retryTimer = setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    });
  }

  private reconnectNow(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.backoff = MIN_BACKOFF_MS;
    this.connect();
  }

  private send(text: string): void {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(text);
    else this.queue.push(text);
  }

  private setState(state: LinkState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.linkListeners) listener(state);
  }

  call<M extends MethodName>(method: M, params: Input<M>): Promise<Output<M>> {
    return this.client.request(method, params) as Promise<Output<M>>;
  }

  onEvent(cb: (event: CoreEvent) => void): Unsubscribe {
    return this.client.onEvent(cb);
  }

  onLinkChange(cb: (state: LinkState) => void): Unsubscribe {
    this.linkListeners.add(cb);
    return () => this.linkListeners.delete(cb);
  }

  openExternal(url: string): void {
    if (!isSafeExternalUrl(url)) return;
    window.open(url, '_blank', 'noopener,noreferrer');
  }

  notify(n: NotificationRequest): void {
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    const notification = new Notification(n.title, {
      body: n.body,
      tag: `${n.accountId}:${n.chatId}`,
    });
    notification.addEventListener('click', () => {
      window.focus();
      for (const listener of this.openChatListeners)
        listener({ accountId: n.accountId, chatId: n.chatId });
      notification.close();
    });
  }

  onOpenChat(cb: (target: OpenChatTarget) => void): Unsubscribe {
    this.openChatListeners.add(cb);
    return () => this.openChatListeners.delete(cb);
  }

  onDeepLink(_cb: (url: string) => void): Unsubscribe {
    // A browser tab is never opened by an openpgp4fpr: or mailto: link.
    return () => undefined;
  }

  setUnreadCount(count: number): void {
    document.title = count > 0 ? `(${count}) ${this.baseTitle}` : this.baseTitle;
  }

  async copyText(text: string): Promise<void> {
    await navigator.clipboard.writeText(text);
  }

  notificationPermission(): 'granted' | 'denied' | 'ask' {
    if (typeof Notification === 'undefined') return 'denied';
    if (Notification.permission === 'default') return 'ask';
    return Notification.permission;
  }

  async requestNotificationPermission(): Promise<boolean> {
    if (typeof Notification === 'undefined') return false;
    if (Notification.permission === 'granted') return true;
    if (Notification.permission === 'denied') return false;
    return (await Notification.requestPermission()) === 'granted';
  }
}
