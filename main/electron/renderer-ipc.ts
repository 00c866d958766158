/**
 * The main process's side of the preload's channels. Every message is checked twice: it must
 * come from the top frame of our window showing our own page, and its payload must validate.
 */
import { ipcMain } from 'electron';
import type { IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import { z } from 'zod';
import { isAppUrl } from './app-protocol.ts';
import { channels } from './ipc-channels.ts';
import type { ChatNotification } from './notifications.ts';

const Id = z.number().int().positive();
const NotificationInput = z.object({
  title: z.string().max(300),
  body: z.string().max(2000),
  accountId: Id,
  chatId: Id,
});
const UnreadCount = z.number().int().min(0).max(1_000_000);
const Link = z.string().min(1).max(4096);

export interface RendererIpcHandlers {
  /** Whether these are the web contents of our main window. */
  isOurPage(contents: WebContents): boolean;
  connectCore(contents: WebContents): void;
  openExternal(url: string): Promise<void>;
  notify(n: ChatNotification): void;
  setUnreadCount(count: number): void;
}

/** Listen on the preload's channels. */
export function registerRendererIpc(h: RendererIpcHandlers): void {
  const trusted = (event: IpcMainEvent | IpcMainInvokeEvent): boolean => {
    const frame = event.senderFrame;
    return (
      frame !== null &&
      frame === event.sender.mainFrame &&
      isAppUrl(frame.url) &&
      h.isOurPage(event.sender)
    );
  };

  ipcMain.on(channels.requestCorePort, (event) => {
    if (trusted(event)) h.connectCore(event.sender);
  });
  ipcMain.handle(channels.openExternal, async (event, url: unknown) => {
    const parsed = Link.safeParse(url);
    if (!trusted(event) || !parsed.success) return;
    await h.openExternal(parsed.data);
  });
  ipcMain.on(channels.notify, (event, input: unknown) => {
    const parsed = NotificationInput.safeParse(input);
    if (trusted(event) && parsed.success) h.notify(parsed.data);
  });
  ipcMain.on(channels.setUnreadCount, (event, count: unknown) => {
    const parsed = UnreadCount.safeParse(count);
    if (trusted(event) && parsed.success) h.setUnreadCount(parsed.data);
  });
}
