import type { TransactionEnvelope } from '../domain/transaction';
import type { TransactionStore } from '../ports/transactionStore';

/**
 * An update older than what the integration already applied for the same CRM record must not overwrite it in the
 * ERP. Dataverse does not promise async steps run in order; the record version (RowVersion / versionnumber) does.
 * The very version applied by another transaction is not applied twice either: a bad row's retry posts the row as
 * it was re-read (its version then), and the event of that fix, held behind it, carries the same version.
 * Returns the newer (or same) applied version, or undefined when this one may be applied.
 */
export async function newerAppliedVersion(
    envelope: TransactionEnvelope,
    store: TransactionStore,
): Promise<string | undefined> {
    const version = parseVersion(envelope.source.version);
    if (version === undefined) return undefined;
    for (const other of await store.listBySourceRecord(envelope.source.recordId)) {
        if (other.envelope.transactionId === envelope.transactionId || other.state !== 'confirmed') continue;
        const applied = parseVersion(other.envelope.source.version);
        if (applied !== undefined && applied >= version) return other.envelope.source.version;
    }
    return undefined;
}

function parseVersion(version: string | undefined): bigint | undefined {
    return version && /^\d+$/.test(version) ? BigInt(version) : undefined;
}
