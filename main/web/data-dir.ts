/** Where Estafette keeps its data by default: the same directory the desktop app uses. */
import os from 'node:os';
import path from 'node:path';

/** The OS's per-user application data directory plus `Estafette` (Electron's `userData`). */
export function defaultDataDir(): string {
  const home = os.homedir();
  switch (process.platform) {
    case 'win32':
      return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Estafette');
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Estafette');
    default:
      return path.join(process.env.XDG_CONFIG_HOME || path.join(home, '.config'), 'Estafette');
  }
}
