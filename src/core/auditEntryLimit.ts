import type { AuditEntry } from '../domain/transactionRecord';

/** Table Storage holds at most 64 KiB per property (32 K UTF-16 characters); keep a margin for the other fields. */
export const maxAuditJsonChars = 30_000;

/** An audit entry that fits one Table Storage property: an oversized payload is replaced by a marker, never split. */
export function fitAuditEntry(entry: AuditEntry): AuditEntry & { payloadTruncated?: true } {
    if (JSON.stringify(entry).length <= maxAuditJsonChars) return entry;
    const { payload: _dropped, ...rest } = entry;
    return { ...rest, payloadTruncated: true };
}
