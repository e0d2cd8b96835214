import { timingSafeEqual } from 'node:crypto';

/** Constant-time comparison of a presented secret (function key or header secret) with the expected one. */
export function secretMatches(presented: string | undefined | null, expected: string): boolean {
    if (!presented) return false;
    const a = Buffer.from(presented);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Whether the presented secret is one of those accepted: during a rotation the current and the next secret, so
 * Dataverse can move from one to the other without a 401 in between. Every secret is compared (no early exit), so
 * the time taken does not tell which one matched.
 */
export function secretMatchesAny(presented: string | undefined | null, accepted: readonly string[]): boolean {
    let matched = false;
    for (const expected of accepted) matched = secretMatches(presented, expected) || matched;
    return matched;
}
