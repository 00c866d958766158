/**
 * Maps a URL path onto a file of the built renderer without ever leaving its directory: both the
 * web host and Electron's app protocol serve the renderer through this one function.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** A file of the renderer that may be served. */
export interface RendererFile {
  path: string;
  size: number;
}

/**
 * The file for a URL path (`/` is `index.html`), or null when there is none or the path would
 * leave `rootDir` (dot segments, encoded slashes, symlinks pointing out, hidden files).
 */
export async function resolveRendererFile(
  rootDir: string,
  urlPath: string,
): Promise<RendererFile | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s.startsWith('.'))) return null;
  const relative = segments.length === 0 ? 'index.html' : segments.join('/');

  const root = await realpath(rootDir).catch(() => null);
  if (root === null) return null;
  const candidate = path.resolve(root, relative);
  if (!isInside(root, candidate)) return null;
  const real = await realpath(candidate).catch(() => null);
  if (real === null || !isInside(root, real)) return null;
  const info = await stat(real).catch(() => null);
  if (info === null || !info.isFile()) return null;
  return { path: real, size: info.size };
}

function isInside(root: string, candidate: string): boolean {
  return candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}
