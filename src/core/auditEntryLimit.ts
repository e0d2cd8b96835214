import type { AuditEntry } from '../domain/transactionRecord';

/**
 * Table Storage holds at most 64 KiB per property, i.e. 32 K UTF-16 code units (what `String.length` counts).
 * The audit entry is one JSON property; keep a margin below that.
 */
export const maxAuditJsonChars = 30_000;

/** An audit entry as the store keeps it: the markers say what was cut to fit. */
export type StoredAuditEntry = AuditEntry & { payloadTruncated?: true; failureMessageTruncated?: true };

const size = (entry: StoredAuditEntry): number => JSON.stringify(entry).length;

/**
 * The audit entry cut to fit one Table Storage property; both stores apply it, so they keep the same trail.
 * Payload fields are dropped largest first (the small identifying ones survive) and `payloadTruncated` is set;
 * if even an empty payload is too large, the failure message (an ERP error page, say) is shortened.
 */
export function fitAuditEntry(entry: AuditEntry, limit = maxAuditJsonChars): StoredAuditEntry {
    if (size(entry) <= limit) return entry;
    const fitted: StoredAuditEntry = { ...entry };
    if (entry.payload) {
        const payload = { ...entry.payload };
        fitted.payload = payload;
        fitted.payloadTruncated = true;
        const largestFirst = Object.keys(payload).sort(
            (a, b) => JSON.stringify(payload[b]).length - JSON.stringify(payload[a]).length || (a < b ? -1 : 1),
        );
        for (const field of largestFirst) {
            if (size(fitted) <= limit) return fitted;
            delete payload[field];
        }
        if (size(fitted) <= limit) return fitted;
    }
    if (fitted.failure) {
        fitted.failureMessageTruncated = true;
        const excess = size(fitted) - limit;
        const message = fitted.failure.message;
        // Each character cut removes at least one JSON character; one more makes room for the ellipsis.
        let keep = Math.max(0, message.length - excess - 1);
        if (/[\uD800-\uDBFF]/.test(message.charAt(keep - 1))) keep--; // never split a surrogate pair
        fitted.failure = { ...fitted.failure, message: `${message.slice(0, keep)}…` };
    }
    return fitted;
}
