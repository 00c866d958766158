/** Where transport writes what it did and what went wrong; the host decides where that goes. */
export type TransportLogger = {
  debug(message: string, details?: Record<string, unknown>): void;
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
};

/** A logger that drops everything, for callers that pass none. */
export const silentLogger: TransportLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** The message and code of a thrown value, safe to log (no stack, no payloads). */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { error: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { error: String(error) };
}
