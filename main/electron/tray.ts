/** The tray icon: shows whether unread messages wait, and opens or quits the app. */
import path from 'node:path';
import { Menu, Tray, app, nativeImage } from 'electron';

export interface UnreadIndicator {
  setUnreadCount(count: number): void;
}

/** Create the tray icon from `resources/tray*.png`. */
export function createTray(
  resourcesDir: string,
  actions: { show(): void; quit(): void },
): UnreadIndicator {
  const idle = nativeImage.createFromPath(path.join(resourcesDir, 'tray.png'));
  const unread = nativeImage.createFromPath(path.join(resourcesDir, 'tray-unread.png'));
  const tray = new Tray(idle);
  tray.setToolTip('Estafette');
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Open Estafette', click: () => actions.show() },
      { type: 'separator' },
      { label: 'Quit Estafette', click: () => actions.quit() },
    ]),
  );
  tray.on('click', () => actions.show());
  let shown = 0;
  return {
    setUnreadCount(count) {
      if (count === shown) return;
      shown = count;
      tray.setImage(count > 0 ? unread : idle);
      tray.setToolTip(count > 0 ? `Estafette: ${count} unread` : 'Estafette');
      app.setBadgeCount(count);
    },
  };
}
