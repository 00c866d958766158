/**
 * The entry of the core's process in the desktop app (an Electron utilityProcess): turns on
 * Node's module compile cache, then loads the core (core-host.ts). With the cache, a launch after
 * the first skips compiling the core's modules and their dependencies again (tens of ms of
 * start-up). The cache lives in the user's own cache directory, never in a shared one.
 */
import module from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';

/** Where this user's compile cache goes; null: none (ESTAFETTE_COMPILE_CACHE=''). */
function compileCacheDir(): string | null {
  const chosen = process.env['ESTAFETTE_COMPILE_CACHE'];
  if (chosen !== undefined) return chosen === '' ? null : chosen;
  const home = homedir();
  if (process.platform === 'win32') {
    const local = process.env['LOCALAPPDATA'] || path.join(home, 'AppData', 'Local');
    return path.join(local, 'Estafette', 'compile-cache');
  }
  if (process.platform === 'darwin') {
    return path.join(home, 'Library', 'Caches', 'Estafette', 'compile-cache');
  }
  const xdg = process.env['XDG_CACHE_HOME'];
  return path.join(
    xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.cache'),
    'estafette',
    'compile-cache',
  );
}

const dir = compileCacheDir();
if (dir !== null && typeof module.enableCompileCache === 'function') {
  try {
    // A cache that cannot be written (read-only home, full disk) only means compiling as before.
    module.enableCompileCache(dir);
  } catch {
    // Start without it.
  }
}
await import('./core-host.ts');
// The cache is written at exit; writing what start-up compiled now keeps it when the process is
// killed rather than stopped.
if (dir !== null && typeof module.flushCompileCache === 'function') {
  try {
    module.flushCompileCache();
  } catch {
    // Nothing lost but time at the next launch.
  }
}
