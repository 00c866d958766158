/** Writes UIDs (any order) as a compact IMAP sequence set: [1,2,3,7,9,10] → "1:3,7,9:10". */
export function formatUidSet(uids: readonly number[]): string {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const parts: string[] = [];
  let start = sorted[0];
  let end = start;
  for (let i = 1; i <= sorted.length; i++) {
    const uid = sorted[i];
    if (uid !== undefined && end !== undefined && uid === end + 1) {
      end = uid;
      continue;
    }
    if (start !== undefined && end !== undefined) {
      parts.push(start === end ? String(start) : `${start}:${end}`);
    }
    start = uid;
    end = uid;
  }
  return parts.join(',');
}

/**
 * Reads an IMAP sequence set into a membership test. `*` stands for `largest` (the highest UID in
 * the mailbox), and "a:b" means the same as "b:a", as RFC 9051 says.
 */
export function parseUidSet(set: string, largest: number): (uid: number) => boolean {
  const ranges = set.split(',').map((part) => {
    const [from, to = from] = part.split(':').map((n) => (n === '*' ? largest : Number(n)));
    if (from === undefined || to === undefined || !Number.isInteger(from + to)) {
      throw new RangeError(`Not an IMAP sequence set: ${set}`);
    }
    return [Math.min(from, to), Math.max(from, to)] as const;
  });
  return (uid) => ranges.some(([low, high]) => uid >= low && uid <= high);
}
