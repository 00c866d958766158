import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../main/core/transport/backoff.ts';
import type { Timers } from '../../../main/core/transport/backoff.ts';

/** A clock that only moves when the test says so. */
function fakeTimers() {
  let now = 0;
  let nextId = 1;
  const pending = new Map<number, { at: number; callback: () => void }>();
  const timers: Timers = {
    setTimeout(callback, ms) {
      const id = nextId++;
      pending.set(id, { at: now + ms, callback });
      return id;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
  };
  return {
    timers,
    pendingCount: () => pending.size,
    advance(ms: number) {
      now += ms;
      for (const [id, entry] of [...pending].sort((a, b) => a[1].at - b[1].at)) {
        if (entry.at <= now) {
          pending.delete(id);
          entry.callback();
        }
      }
    },
  };
}

describe('backoff', () => {
  it('doubles the ceiling with every attempt until the cap', () => {
    const backoff = new Backoff({ baseMs: 1000, capMs: 10_000, random: () => 0.999999 });
    const delays = Array.from({ length: 7 }, () => backoff.next());
    expect(delays).toEqual([999, 1999, 3999, 7999, 9999, 9999, 9999]);
    expect(backoff.attempt).toBe(7);
  });

  it('draws every delay uniformly below the ceiling (full jitter)', () => {
    const draws = [0, 0.5, 0.25];
    const backoff = new Backoff({ baseMs: 1000, capMs: 300_000, random: () => draws.shift() ?? 0 });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([0, 1000, 1000]);
  });

  it('defaults to 1 s growing to a 5 min cap', () => {
    const backoff = new Backoff({ random: () => 0.999999 });
    expect(backoff.ceiling()).toBe(1000);
    for (let i = 0; i < 20; i++) backoff.next();
    expect(backoff.ceiling()).toBe(300_000);
  });

  it('never overflows however many attempts pile up', () => {
    const backoff = new Backoff({ baseMs: 1000, capMs: 60_000, random: () => 0.5 });
    for (let i = 0; i < 5000; i++) backoff.next();
    expect(backoff.next()).toBe(30_000);
  });

  it('starts over after reset', () => {
    const backoff = new Backoff({ baseMs: 1000, capMs: 60_000, random: () => 0.999999 });
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.attempt).toBe(0);
    expect(backoff.next()).toBe(999);
  });

  it('sleeps until the clock has moved by the delay', async () => {
    const clock = fakeTimers();
    const backoff = new Backoff({ timers: clock.timers });
    let result: boolean | undefined;
    void backoff.sleep(5000).then((r) => (result = r));
    clock.advance(4999);
    await Promise.resolve();
    expect(result).toBeUndefined();
    expect(backoff.sleeping).toBe(true);
    clock.advance(1);
    await Promise.resolve();
    expect(result).toBe(true);
    expect(backoff.sleeping).toBe(false);
  });

  it('retryNow cuts a pending sleep short, clears its timer and starts over', async () => {
    const clock = fakeTimers();
    const backoff = new Backoff({ timers: clock.timers, random: () => 0.999999 });
    for (let i = 0; i < 6; i++) backoff.next();
    const sleeping = backoff.sleep(60_000);
    backoff.retryNow();
    await expect(sleeping).resolves.toBe(false);
    expect(clock.pendingCount()).toBe(0);
    expect(backoff.attempt).toBe(0);
  });

  it('cut ends the sleep but keeps the attempt count', async () => {
    const clock = fakeTimers();
    const backoff = new Backoff({ timers: clock.timers });
    backoff.next();
    backoff.next();
    const sleeping = backoff.sleep(1000);
    backoff.cut();
    await expect(sleeping).resolves.toBe(false);
    expect(backoff.attempt).toBe(2);
  });

  it('cutting with nothing pending is harmless and does not cancel the next sleep', async () => {
    const clock = fakeTimers();
    const backoff = new Backoff({ timers: clock.timers });
    backoff.retryNow();
    const sleeping = backoff.sleep(10);
    clock.advance(10);
    await expect(sleeping).resolves.toBe(true);
  });
});
