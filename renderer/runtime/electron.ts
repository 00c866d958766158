/**
 * The runtime inside the Electron window: the preload's `window.estafette` carries the same
 * JSON-RPC texts over a MessagePort to the core's utility process, and the platform services
 * to the main process.
 */
import type { Input, MethodName, Output } from '../../shared/api.ts';
import type { CoreEvent } from '../../shared/events.ts';
import { JsonRpcClient } from './json-rpc-client.ts';
import { isSafeExternalUrl } from './runtime.ts';
import type {
  ElectronBridge,
  LinkState,
  NotificationRequest,
  OpenChatTarget,
  Runtime,
  Unsubscribe,
} from './runtime.ts';

export class ElectronRuntime implements Runtime {
  readonly linkState: LinkState = 'open';
  private readonly client: JsonRpcClient;
  private readonly openChatListeners = new Set<(target: OpenChatTarget) => void>();
  private readonly deepLinkListeners = new Set<(url: string) => void>();

  private readonly bridge: ElectronBridge;

  constructor(bridge: ElectronBridge) {
    this.bridge = bridge;
    this.client = new JsonRpcClient((text) => bridge.send(text));
    bridge.onMessage((text) => this.client.receive(text));
    bridge.onOpenChat((target) => {
      for (const listener of this.openChatListeners) listener(target);
    });
    bridge.onDeepLink((url) => {
      for (const listener of this.deepLinkListeners) listener(url);
    });
  }

  get platform(): string {
    return this.bridge.platform;
  }

  call<M extends MethodName>(method: M, params: Input<M>): Promise<Output<M>> {
    return this.client.request(method, params) as Promise<Output<M>>;
  }

  onEvent(cb: (event: CoreEvent) => void): Unsubscribe {
    return this.client.onEvent(cb);
  }

  onLinkChange(_cb: (state: LinkState) => void): Unsubscribe {
    // The port to the core lives as long as the window.
    return () => undefined;
  }

  openExternal(url: string): void {
    if (isSafeExternalUrl(url)) this.bridge.openExternal(url);
  }

  notify(notification: NotificationRequest): void {
    this.bridge.notify(notification);
  }

  onOpenChat(cb: (target: OpenChatTarget) => void): Unsubscribe {
    this.openChatListeners.add(cb);
    return () => this.openChatListeners.delete(cb);
  }

  onDeepLink(cb: (url: string) => void): Unsubscribe {
    this.deepLinkListeners.add(cb);
    return () => this.deepLinkListeners.delete(cb);
  }

  setUnreadCount(count: number): void {
    this.bridge.setUnreadCount(count);
  }

  async copyText(text: string): Promise<void> {
    await navigator.clipboard.writeText(text);
  }

  notificationPermission(): 'granted' {
    return 'granted';
  }

  async requestNotificationPermission(): Promise<boolean> {
    // The main process shows native notifications; the OS settings decide.
    return true;
  }
}
