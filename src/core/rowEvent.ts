import type { NormalizedAttributes, NormalizedEvent } from '../dataverse/normalizedEvent';
import type { FieldValue } from '../domain/transaction';
import type { TransactionRecord } from '../domain/transactionRecord';
import type { EntityRule } from '../mapping/entityMapSchema';
import { mapFields } from '../mapping/mapRecord';

/**
 * A row as Dataverse has it now (a Web API read), as the event that would have carried it: the whole row as Target
 * and post-image, its version number as the RowVersion. A row's version is what the idempotency key is made of, so
 * the same version read again always stands for the same transaction id as its webhook.
 */
export function eventFromRow(
    entity: string,
    recordId: string,
    message: string,
    row: NormalizedAttributes,
    correlationId: string,
): NormalizedEvent {
    const event: NormalizedEvent = {
        messageName: message,
        entity,
        recordId: recordId.toLowerCase(),
        correlationId,
        mode: 1,
        stage: 40,
        depth: 1,
        target: row,
        preImages: {},
        postImages: { row },
        sizeExceeded: false,
    };
    const version = row.versionnumber;
    if (typeof version === 'number' || typeof version === 'string') event.rowVersion = String(version);
    return event;
}

/**
 * The transaction that stands for the row in the ERP: the one of the highest version (the latest change intake
 * took), else the last accepted; discarded ones never stood for it.
 */
export function latestOfRow(transactions: readonly TransactionRecord[]): TransactionRecord | undefined {
    let latest: TransactionRecord | undefined;
    for (const t of transactions) {
        if (t.state === 'discarded') continue;
        if (!latest || compareVersions(t.envelope.source.version, latest.envelope.source.version) >= 0) latest = t;
    }
    return latest;
}

/**
 * The id of the row's latest transaction when the row maps to the same values on every column that triggers a
 * transaction (the map's trigger columns): nothing the ERP cares about changed since. (The integration's own
 * write-back changes a row's version and modified time, and only that.)
 */
export function unchangedSince(
    entity: string,
    recordId: string,
    rule: EntityRule,
    row: NormalizedAttributes,
    transactions: readonly TransactionRecord[],
): string | undefined {
    const last = latestOfRow(transactions);
    if (!last) return undefined;
    const mapped = mapFields(entity, rule, row, recordId);
    const triggers = rule.fields.filter((f) => (rule.triggerColumns ?? [f.source]).includes(f.source));
    // Personal columns are not kept (src/core/personalData.ts), so they cannot be compared with the last transaction.
    const same = triggers
        .filter((f) => !f.personal)
        .every((f) => {
            const now = comparable(f.transform, mapped.data[f.target]);
            return now === comparable(f.transform, last.envelope.data[f.target]);
        });
    if (!same) return undefined;
    // Where a personal column may have changed, the row is unchanged only when its last change was our write-back.
    if (triggers.some((f) => f.personal) && !lastChangeWasWriteBack(row)) return undefined;
    return last.envelope.transactionId;
}

/** The columns `unchangedSince` needs beside the mapped ones. */
export const changeMarkerColumns = ['modifiedon', 're_erpsyncedon'] as const;

/**
 * Whether the row's last modification was the integration's own write-back: Dataverse stamps `modifiedon` (to the
 * second) when it takes our write, which carries `re_erpsyncedon`; a user's later change moves `modifiedon` on.
 */
function lastChangeWasWriteBack(row: NormalizedAttributes): boolean {
    const modified = typeof row.modifiedon === 'string' ? Date.parse(row.modifiedon) : Number.NaN;
    const synced = typeof row.re_erpsyncedon === 'string' ? Date.parse(row.re_erpsyncedon) : Number.NaN;
    return Number.isFinite(modified) && Number.isFinite(synced) && Math.abs(modified - synced) <= 5_000;
}

/**
 * A mapped value as compared: Dataverse keeps DateTime columns to the second, and the Web API answers them so, while
 * an event may carry milliseconds; a date is compared to the second.
 */
function comparable(transform: string, value: FieldValue | undefined): string {
    if (transform === 'date' && typeof value === 'string' && !Number.isNaN(Date.parse(value)))
        return String(Math.floor(Date.parse(value) / 1000));
    return JSON.stringify(value ?? null);
}

/** Versions as numbers (Dataverse's are whole numbers); a missing or odd one sorts first. */
function compareVersions(a: string | undefined, b: string | undefined): number {
    const n = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? BigInt(v) : -1n);
    const x = n(a);
    const y = n(b);
    return x < y ? -1 : x > y ? 1 : 0;
}
