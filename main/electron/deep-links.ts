/**
 * Links the operating system hands to the app: `openpgp4fpr:` (a contact's key or a SecureJoin
 * invitation) and `mailto:`. The main process only checks their shape; the renderer acts on them.
 */

const DEEP_LINK = /^(openpgp4fpr|mailto):\S{1,4000}$/i;

/** Whether a string is a deep link the app accepts. */
export function isDeepLink(candidate: unknown): candidate is string {
  if (typeof candidate !== 'string' || !DEEP_LINK.test(candidate)) return false;
  for (let i = 0; i < candidate.length; i++) {
    const c = candidate.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}

/** The deep link among command-line arguments (Windows and Linux pass it there), if any. */
export function findDeepLink(argv: readonly string[]): string | null {
  for (const arg of argv) if (isDeepLink(arg)) return arg;
  return null;
}
