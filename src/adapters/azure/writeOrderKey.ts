import { randomBytes } from 'node:crypto';

/** Distinguishes processes writing in the same millisecond, so two keys never collide. */
const processTag = randomBytes(4).toString('hex');
let last = { ms: 0, sequence: 0 };

/**
 * A RowKey that sorts in write order: zero-padded milliseconds, then a sequence within the millisecond, then the
 * process tag. Shared by every store in the process and never moving backwards (even if the wall clock does), so
 * entries written in one millisecond keep their order.
 */
export function nextWriteOrderKey(now: number = Date.now()): string {
    last = now > last.ms ? { ms: now, sequence: 0 } : { ms: last.ms, sequence: last.sequence + 1 };
    return `${String(last.ms).padStart(15, '0')}-${String(last.sequence).padStart(9, '0')}-${processTag}`;
}
