import type { SentenceInfo } from '../../shared/types.ts';

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

/**
 * The sentence as a code with arguments, for a UI to say in its own language (shared/types.ts
 * SentenceInfo). The English `sentence` stays the one shown for codes a UI does not know.
 */
export type SentenceDetail = SentenceInfo;

export class CoreError extends Error {
  readonly code: ErrorCode;
  /** A complete sentence the UI can show as it is. */
  readonly sentence: string;
  /** `sentence` as a code with arguments, when the UI can say it in its own language. */
  readonly detail: SentenceDetail | undefined;
  constructor(
    code: ErrorCode,
    sentence: string,
    options?: { cause?: unknown; detail?: SentenceDetail | undefined },
  ) {
    super(sentence, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CoreError';
    this.code = code;
    this.sentence = sentence;
    this.detail = options?.detail;
  }
}

/** The code and arguments of any thrown value's sentence, when it has them. */
export function detailOf(e: unknown): SentenceDetail | undefined {
  return e instanceof CoreError ? e.detail : undefined;
}

export function isCoreError(e: unknown): e is CoreError {
  return e instanceof CoreError;
}

/** A sentence for any thrown value; internal details stay out of the sentence. */
export function sentenceOf(e: unknown): string {
  if (e instanceof CoreError) return e.sentence;
  return 'Something went wrong inside Estafette. The details are in the log.';
}
