import { timingSafeEqual } from 'node:crypto';

/** Constant-time comparison of a presented secret (function key or header secret) with the expected one. */
export function secretMatches(presented: string | undefined | null, expected: string): boolean {
    if (!presented) return false;
    const a = Buffer.from(presented);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
}
