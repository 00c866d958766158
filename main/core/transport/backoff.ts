/** Timer functions, injectable so tests run on a fake clock. */
export type Timers = {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

export type BackoffOptions = {
  /** Ceiling of the first delay, in ms. Default 1 s. */
  baseMs?: number;
  /** Largest ceiling any delay can have, in ms. Default 5 min. */
  capMs?: number;
  /** A number in [0, 1); Math.random by default. */
  random?: () => number;
  timers?: Timers;
};

const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

type PendingSleep = { handle: unknown; resolve: (elapsed: boolean) => void };

/**
 * Capped exponential backoff with full jitter: the n-th delay is uniform in
 * [0, min(cap, base * 2^n)). Full jitter spreads the reconnects of many clients after a server
 * restart instead of having them arrive in waves. Sleeps can be cut short when the caller learns
 * that waiting is pointless (the network came back, the user pressed "retry", shutdown).
 */
export class Backoff {
  readonly #baseMs: number;
  readonly #capMs: number;
  readonly #random: () => number;
  readonly #timers: Timers;
  #attempt = 0;
  readonly #pending = new Set<PendingSleep>();

  constructor(options: BackoffOptions = {}) {
    this.#baseMs = options.baseMs ?? 1_000;
    this.#capMs = options.capMs ?? 5 * 60_000;
    this.#random = options.random ?? Math.random;
    this.#timers = options.timers ?? systemTimers;
  }

  /** How many delays were handed out since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The ceiling of the next delay, in ms (what a delay can at most be). */
  ceiling(): number {
    // 2^attempt overflows to Infinity eventually; min() keeps that harmless.
    return Math.min(this.#capMs, this.#baseMs * 2 ** this.#attempt);
  }

  /** The next delay in ms, and one more attempt counted. */
  next(): number {
    const delay = Math.floor(this.#random() * this.ceiling());
    this.#attempt++;
    return delay;
  }

  /** Starts over from the smallest delay (call it after a success). */
  reset(): void {
    this.#attempt = 0;
  }

  /** Waits `ms`; resolves true when the time passed, false when cut short. */
  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const entry: PendingSleep = {
        handle: undefined,
        resolve: (elapsed) => {
          this.#pending.delete(entry);
          resolve(elapsed);
        },
      };
      this.#pending.add(entry);
      entry.handle = this.#timers.setTimeout(() => entry.resolve(true), ms);
    });
  }

  /** Whether a sleep is under way. */
  get sleeping(): boolean {
    return this.#pending.size > 0;
  }

  /** Ends every pending sleep now (they resolve false) without touching the attempt count. */
  cut(): void {
    for (const entry of [...this.#pending]) {
      this.#timers.clearTimeout(entry.handle);
      entry.resolve(false);
    }
  }

  /** "Retry now": starts over from the smallest delay and ends pending sleeps. */
  retryNow(): void {
    this.reset();
    this.cut();
  }
}
