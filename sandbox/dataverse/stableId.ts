import { createHash } from 'node:crypto';

/** A GUID derived from a name: system rows (messages, filters, metadata) keep their ids across restarts. */
export function stableId(seed: string): string {
    const h = createHash('sha1').update(seed).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
