/**
 * The one seam between the UI and everything outside the page. The UI never knows whether the
 * core lives behind Electron's MessagePort or the web host's WebSocket: both carry the same
 * JSON-RPC 2.0 texts, and the platform services (notifications, links, clipboard) are here.
 */
import type { Input, MethodName, Output } from '../../shared/api.ts';
import type { CoreEvent } from '../../shared/events.ts';

/** The state of the link between the page and the core (not the account's mail connection). */
export type LinkState = 'connecting' | 'open' | 'closed';

export interface NotificationRequest {
  title: string;
  body: string;
  accountId: number;
  chatId: number;
}

export interface OpenChatTarget {
  accountId: number;
  chatId: number;
}

export type Unsubscribe = () => void;

export interface Runtime {
  /** Call one core method; rejects with a `CoreCallError` carrying the core's sentence. */
  call<M extends MethodName>(method: M, params: Input<M>): Promise<Output<M>>;
  onEvent(cb: (event: CoreEvent) => void): Unsubscribe;
  /** Follows the page↔core link: 'closed' while a dropped WebSocket waits to reconnect. */
  onLinkChange(cb: (state: LinkState) => void): Unsubscribe;
  readonly linkState: LinkState;
  /** Opens an http, https or mailto link outside the app; anything else is refused. */
  openExternal(url: string): void;
  notify(notification: NotificationRequest): void;
  /** A notification was clicked: the host asks the UI to open this chat. */
  onOpenChat(cb: (target: OpenChatTarget) => void): Unsubscribe;
  /** The app was opened by a link (openpgp4fpr:, mailto:). */
  onDeepLink(cb: (url: string) => void): Unsubscribe;
  setUnreadCount(count: number): void;
  copyText(text: string): Promise<void>;
  /** Whether notifications can be shown; the browser asks the person first. */
  requestNotificationPermission(): Promise<boolean>;
  /** 'ask' while the browser has not been allowed or refused notifications yet. */
  notificationPermission(): 'granted' | 'denied' | 'ask';
  readonly platform: string;
}

/** What the preload of the Electron shell exposes on `window.estafette`. */
export interface ElectronBridge {
  send(text: string): void;
  onMessage(cb: (text: string) => void): void;
  openExternal(url: string): void;
  notify(notification: NotificationRequest): void;
  onOpenChat(cb: (target: OpenChatTarget) => void): void;
  onDeepLink(cb: (url: string) => void): void;
  setUnreadCount(count: number): void;
  platform: string;
}

declare global {
  interface Window {
    estafette?: ElectronBridge;
  }
}

/** Only these schemes ever leave the app. */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return ['http:', 'https:', 'mailto:'].includes(parsed.protocol);
  } catch {
    return false;
  }
}
