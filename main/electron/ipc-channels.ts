/**
 * The IPC channels between the preload and the main process: the only ones either side listens
 * on. JSON-RPC itself does not travel here but over a MessagePort straight to the core.
 */
export const channels = {
  /** preload → main: "give this page a port to the core" (at every page load). */
  requestCorePort: 'estafette:request-core-port',
  /** main → preload: carries the MessagePort whose other end the core holds. */
  corePort: 'estafette:core-port',
  /** preload → main (invoke): open a link outside the app. */
  openExternal: 'estafette:open-external',
  /** preload → main: show a native notification for a chat. */
  notify: 'estafette:notify',
  /** preload → main: total unread count for the tray and the dock badge. */
  setUnreadCount: 'estafette:set-unread-count',
  /** main → preload: a notification was clicked. */
  openChat: 'estafette:open-chat',
  /** main → preload: an `openpgp4fpr:` or `mailto:` link was opened with the app. */
  deepLink: 'estafette:deep-link',
} as const;
