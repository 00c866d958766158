/**
 * Applies one core event to the store: a changed chat replaces its summary, a connectivity
 * change touches one account. Messages themselves are followed by the open chat's view.
 */
import type { CoreEvent } from '../../shared/events.ts';
import type { Message } from '../../shared/types.ts';
import { i18n } from '../i18n/i18n.ts';
import { coreSentenceText } from '../features/errors/core-sentence.ts';
import type { AppActions } from './actions.ts';
import { withChat, withConnectivity, withoutChat } from './app-state.ts';

export function applyCoreEvent(app: AppActions, event: CoreEvent): void {
  const { store } = app;
  switch (event.type) {
    case 'accountsChanged':
      void app.reload();
      break;
    case 'accountSetupProgress':
      store.update((s) =>
        s.setup && s.setup.addr.toLowerCase() === event.addr.toLowerCase()
          ? { ...s, setup: { addr: s.setup.addr, step: event.step, detail: event.detail } }
          : s,
      );
      break;
    case 'connectivityChanged':
      store.update((s) => withConnectivity(s, event.accountId, event.connectivity));
      break;
    case 'chatChanged':
      store.update((s) => withChat(s, event.accountId, event.chat));
      break;
    case 'chatDeleted':
      store.update((s) => withoutChat(s, event.accountId, event.chatId));
      break;
    case 'messageAdded':
      if (event.notify) maybeNotify(app, event.accountId, event.message);
      break;
    case 'error':
      app.toast(coreSentenceText(i18n.t, event.detail, event.sentence, i18n.language));
      break;
    case 'secureJoinProgress':
      if (event.role === 'joiner') {
        store.update((s) => ({
          ...s,
          join: {
            accountId: event.accountId,
            chatId: event.chatId ?? s.join?.chatId ?? null,
            step: event.step,
            progress: event.progress,
            sentence: event.sentence,
            system: event.system,
          },
        }));
      }
      break;
    case 'messageChanged':
    case 'contactChanged':
      break;
  }
}

function maybeNotify(app: AppActions, accountId: number, message: Message): void {
  const state = app.store.get();
  if (!state.preferences.notifications || message.outgoing) return;
  const chat = state.chats[accountId]?.find((c) => c.id === message.chatId);
  if (chat?.muted) return;
  const looking =
    document.visibilityState === 'visible' &&
    document.hasFocus() &&
    state.selectedAccountId === accountId &&
    state.selectedChatId === message.chatId;
  if (looking) return;
  app.runtime.notify({
    title: chat?.name ?? i18n.t('notification.newMessage'),
    body: notificationBody(message),
    accountId,
    chatId: message.chatId,
  });
}

function notificationBody(message: Message): string {
  if (message.text.trim()) return message.text.slice(0, 200);
  const first = message.attachments[0];
  if (first?.isImage) return i18n.t('notification.image');
  if (first) return first.filename;
  return i18n.t('notification.newMessage');
}
