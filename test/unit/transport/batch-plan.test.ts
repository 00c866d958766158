import { describe, expect, it } from 'vitest';
import { planBatches } from '../../../main/core/transport/batch-plan.ts';
import { formatUidSet, parseUidSet } from '../../../main/core/transport/uid-set.ts';

const small = (uids: number[]) => uids.map((uid) => ({ uid, size: 100 }));
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('planning fetch batches', () => {
  it('cuts 450 new messages into batches of 200, 200 and 50 in UID order', () => {
    const batches = planBatches(small(range(1, 450).reverse()), {
      maxMessages: 200,
      maxBytes: 1e9,
    });
    expect(batches.map((b) => b.length)).toEqual([200, 200, 50]);
    expect(batches.flat()).toEqual(range(1, 450));
  });

  it('closes a batch before it grows past the byte budget', () => {
    const messages = [
      { uid: 1, size: 40 },
      { uid: 2, size: 40 },
      { uid: 3, size: 40 },
      { uid: 4, size: 500 },
      { uid: 5, size: 10 },
    ];
    expect(planBatches(messages, { maxMessages: 10, maxBytes: 100 })).toEqual([
      [1, 2],
      [3],
      [4],
      [5],
    ]);
  });

  it('sends messages up to a failed batch one by one, then batches again', () => {
    expect(
      planBatches(small(range(1, 6)), { maxMessages: 10, maxBytes: 1e9, singleThrough: 3 }),
    ).toEqual([[1], [2], [3], [4, 5, 6]]);
  });

  it('plans nothing when nothing is new', () => {
    expect(planBatches([], { maxMessages: 10, maxBytes: 1e9 })).toEqual([]);
  });
});

describe('UID sets', () => {
  it('writes runs as ranges', () => {
    expect(formatUidSet([9, 1, 2, 3, 7, 10])).toBe('1:3,7,9:10');
    expect(formatUidSet([5])).toBe('5');
    expect(formatUidSet([])).toBe('');
    expect(formatUidSet(range(201, 400))).toBe('201:400');
  });

  it('reads sets back, with * as the largest UID and reversed ranges', () => {
    const has = parseUidSet('1:3,7,12:*', 20);
    expect(range(1, 22).filter(has)).toEqual([1, 2, 3, 7, ...range(12, 20)]);
    expect(range(1, 10).filter(parseUidSet('5:2', 10))).toEqual([2, 3, 4, 5]);
    expect(() => parseUidSet('a:b', 3)).toThrow(RangeError);
  });
});
