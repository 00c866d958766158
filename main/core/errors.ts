/** Every failure the core reports carries a stable code (for programs) and a sentence (for people). */
export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'auth_failed'
  | 'host_not_found'
  | 'connection_refused'
  | 'certificate_untrusted'
  | 'tls_unavailable'
  | 'timeout'
  | 'network'
  | 'server_rejected'
  | 'autoconfig_failed'
  | 'account_exists'
  | 'encryption_required'
  | 'decrypt_failed'
  | 'parse_failed'
  | 'database_too_new'
  | 'storage'
  | 'internal';

export class CoreError extends Error {
  readonly code: ErrorCode;
  /** A complete sentence the UI can show as it is. */
  readonly sentence: string;
  constructor(code: ErrorCode, sentence: string, options?: { cause?: unknown }) {
    super(sentence, options);
    this.name = 'CoreError';
    this.code = code;
    this.sentence = sentence;
  }
}

export function isCoreError(e: unknown): e is CoreError {
  return e instanceof CoreError;
}

/** A sentence for any thrown value; internal details stay out of the sentence. */
export function sentenceOf(e: unknown): string {
  if (e instanceof CoreError) return e.sentence;
  return 'Something went wrong inside Estafette. The details are in the log.';
}
