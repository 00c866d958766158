/** Where a received message sorts: its Date header's second, clamped to when it arrived. */
import { describe, expect, it } from 'vitest';
import { clampDate } from '../../../main/core/chat/receive.ts';

const at = (iso: string) => new Date(iso).getTime();

describe('received message time', () => {
  it('sorts after lines written here earlier in the same second of its Date', () => {
    // Written 10:00:05.700 here; the reply's Date says 10:00:05 (it was sent at 05.9).
    const localLine = at('2026-11-22T10:00:05.700Z');
    const reply = clampDate(new Date('2026-11-22T10:00:05Z'), at('2026-11-22T10:00:06.500Z'));
    expect(reply).toBeGreaterThan(localLine);
    expect(reply).toBe(at('2026-11-22T10:00:05.999Z'));
  });

  it('is never later than its arrival when it was sent in the past', () => {
    const arrived = at('2026-11-22T10:00:05.300Z');
    expect(clampDate(new Date('2026-11-22T10:00:05Z'), arrived)).toBe(arrived);
    expect(clampDate(new Date('2026-11-22T09:00:00Z'), arrived)).toBe(
      at('2026-11-22T09:00:00.999Z'),
    );
  });

  it('keeps a smeared burst in order and caps dates far in the future', () => {
    const arrived = at('2026-11-22T10:00:00Z');
    const burst = [1, 2, 3].map((s) => clampDate(new Date(arrived + s * 1000), arrived));
    expect(burst).toEqual([...burst].sort((a, b) => a - b));
    expect(new Set(burst).size).toBe(3);
    expect(clampDate(new Date('2026-11-23T10:00:00Z'), arrived)).toBe(arrived + 5 * 60_000);
  });

  it('uses the arrival time without a usable Date', () => {
    expect(clampDate(undefined, 42_000)).toBe(42_000);
    expect(clampDate(new Date('nonsense'), 42_000)).toBe(42_000);
  });
});
