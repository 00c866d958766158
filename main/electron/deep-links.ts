/**
 * Links the operating system hands to the app: `openpgp4fpr:` (a contact's key or a SecureJoin
 * invitation) and `mailto:`. The main process only checks their shape; the renderer acts on them.
 */

const DEEP_LINK = /^(openpgp4fpr|mailto):[^\s\u0000-\u001f\u007f]{1,4000}$/i;

/** Schemes the app registers with the operating system. */
export const DEEP_LINK_SCHEMES = ['openpgp4fpr', 'mailto'] as const;

/** Whether a string is a deep link the app accepts. */
export function isDeepLink(candidate: unknown): candidate is string {
  return typeof candidate === 'string' && DEEP_LINK.test(candidate);
}

/** The deep link among command-line arguments (Windows and Linux pass it there), if any. */
export function findDeepLink(argv: readonly string[]): string | null {
  for (const arg of argv) if (isDeepLink(arg)) return arg;
  return null;
}
