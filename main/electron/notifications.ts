/**
 * Native notifications for new messages. The renderer decides whether one fits (not muted, not
 * the chat already open in a focused window) and calls `notify`; a click opens that chat.
 */
import { Notification } from 'electron';

export interface ChatRef {
  accountId: number;
  chatId: number;
}
export interface ChatNotification extends ChatRef {
  title: string;
  body: string;
}

/** Shows chat notifications; `onOpen` runs when one is clicked. */
export function createNotifier(icon: string, onOpen: (ref: ChatRef) => void) {
  // Electron drops the click handler of a notification that was garbage collected: keep them.
  const live = new Set<Notification>();
  return {
    show(n: ChatNotification): void {
      if (!Notification.isSupported()) return;
      const note = new Notification({ title: n.title, body: n.body, icon, silent: false });
      live.add(note);
      note.on('click', () => {
        live.delete(note);
        onOpen({ accountId: n.accountId, chatId: n.chatId });
      });
      note.on('close', () => live.delete(note));
      note.show();
    },
  };
}
