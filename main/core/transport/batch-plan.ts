/** A message the server announced (UID and RFC822.SIZE) before its body is fetched. */
export type PlannedMessage = { uid: number; size: number };

export type BatchLimits = {
  /** At most this many messages per batch. */
  maxMessages: number;
  /** Stop adding messages once a batch holds this many bytes (a single larger message still goes alone). */
  maxBytes: number;
  /** Messages with UIDs up to this one go one per batch (isolating a batch that failed). */
  singleThrough?: number;
};

/**
 * Splits new messages, in UID order, into fetch batches bounded by count and bytes, so one UID
 * FETCH brings a batch and memory stays bounded even when a batch is full of attachments.
 */
export function planBatches(messages: readonly PlannedMessage[], limits: BatchLimits): number[][] {
  const sorted = [...messages].sort((a, b) => a.uid - b.uid);
  const batches: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  const close = () => {
    if (current.length > 0) batches.push(current);
    current = [];
    bytes = 0;
  };
  for (const message of sorted) {
    const single = limits.singleThrough !== undefined && message.uid <= limits.singleThrough;
    const full =
      current.length >= limits.maxMessages ||
      (current.length > 0 && bytes + message.size > limits.maxBytes);
    if (single || full) close();
    current.push(message.uid);
    bytes += message.size;
    if (single) close();
  }
  close();
  return batches;
}
