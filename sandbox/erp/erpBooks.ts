import { ErpReceivables } from './erpReceivables';
import { checkBusinessRules, fail } from './erpRules';

/**
 * The sandbox ERP's books: what a real ERP keeps and enforces for our contract (docs/erp-contract.md).
 * Pure state and rules; HTTP, faults and persistence live beside it. The posting list is the ground truth
 * tests and benchmarks read: every write the books applied, in arrival order, so a transaction posted twice (by an
 * ERP that keeps no idempotency keys) shows as two entries.
 */
export type PeriodStatus = 'open' | 'frozen' | 'closed';
export const resources = [
    'customers',
    'reservations',
    'instalments',
    'receipts',
    'commissions',
    'construction-progress',
    'units',
] as const;
export type Resource = (typeof resources)[number];

export interface Posting {
    seq: number;
    postingId: string;
    /** The Idempotency-Key header the write carried, if any (kept even by the profile that ignores keys). */
    idempotencyKey?: string;
    /** The transaction the write names in its body (the ERP's external document number). */
    integrationReference: string;
    type: Resource;
    reference: string;
    sourceRecordId: string;
    receivedAt: string;
    body: Record<string, unknown>;
}

export type { Allocation, Invoice } from './erpReceivables';

/**
 * How `apply` treats the Idempotency-Key: `honoured` answers a repeat with the first answer and refuses a key reused
 * for another record; `ignored` applies every write it is sent (an ERP that keeps no keys, and the journal's replay of
 * writes that were each applied once). Either way the key is remembered, for the look-up by key.
 */
export type KeyHandling = 'honoured' | 'ignored';

export interface ErpAnswer {
    status: number;
    body: Record<string, unknown>;
    replayed: boolean;
}

/** The current state of one record (the latest accepted write under its reference). */
export interface HeldRecord {
    postingId: string;
    sourceRecordId: string;
    body: Record<string, unknown>;
}

export class ErpBooks {
    readonly postings: Posting[] = [];
    readonly #receivables = new ErpReceivables();
    readonly invoices = this.#receivables.invoices;
    readonly allocations = this.#receivables.allocations;
    readonly cancelledPlans = this.#receivables.cancelledPlans;
    /** Commission claims held from payout because a later claim for the same sale would exceed 100 %. */
    readonly payoutHolds: string[] = [];
    readonly periods = new Map<string, PeriodStatus>();
    readonly #held = new Map<Resource, Map<string, HeldRecord>>();
    readonly #answers = new Map<string, { resource: Resource; reference: string; answer: ErpAnswer }>();
    readonly #byKey = new Map<string, Posting>();
    /** Building code → its latest reported construction progress. */
    readonly #progress = new Map<string, { period: string; percent: number }>();
    /** Last sequence number given out: a removed posting's number is never given again. */
    #seq = 0;

    periodStatus(period: string): PeriodStatus {
        return this.periods.get(period) ?? 'open';
    }

    findByKey(idempotencyKey: string): Posting | undefined {
        return this.#byKey.get(idempotencyKey);
    }

    /** Every posting of one record, oldest first (amendments and repeats included). */
    findByReference(resource: Resource, reference: string): Posting[] {
        return this.postings.filter((p) => p.type === resource && p.reference === reference);
    }

    reservation(number: string): Record<string, unknown> | undefined {
        return this.#table('reservations').get(number)?.body;
    }

    held(resource: Resource, reference: string): HeldRecord | undefined {
        return this.#table(resource).get(reference);
    }

    records(resource: Resource): ReadonlyMap<string, HeldRecord> {
        return this.#table(resource);
    }

    /** The building's construction % from its latest reported period (0 before any report). */
    progress(buildingCode: string): number {
        return this.#progress.get(buildingCode)?.percent ?? 0;
    }

    holdPayout(claimNumbers: string[]): void {
        for (const claim of claimNumbers) if (!this.payoutHolds.includes(claim)) this.payoutHolds.push(claim);
    }

    /** Empties the books (`POST /sandbox/reset`); periods reopen. */
    reset(): void {
        this.postings.length = 0;
        this.#receivables.reset();
        this.payoutHolds.length = 0;
        this.periods.clear();
        this.#held.clear();
        this.#answers.clear();
        this.#byKey.clear();
        this.#progress.clear();
        this.#seq = 0;
    }

    /**
     * Forgets a record as if the ERP had lost it (sandbox control `DELETE /sandbox/records/...`, for reconciliation
     * drills): its postings, its idempotency keys (so a re-push under the same key posts again) and its own effects
     * (an invoice, a receipt's allocations). Records that hang on it stay, as they would in a real loss.
     */
    remove(resource: Resource, reference: string): boolean {
        const table = this.#table(resource);
        if (!table.delete(reference)) return false;
        for (let i = this.postings.length - 1; i >= 0; i--) {
            const posting = this.postings[i];
            if (posting?.type !== resource || posting.reference !== reference) continue;
            const key = posting.idempotencyKey;
            // Only while the key still stands for this record (an ERP without keys may have reused it elsewhere).
            if (key !== undefined && this.#byKey.get(key) === posting) this.#byKey.delete(key);
            const answered = key === undefined ? undefined : this.#answers.get(key);
            if (key !== undefined && answered?.resource === resource && answered.reference === reference)
                this.#answers.delete(key);
            this.postings.splice(i, 1);
        }
        if (resource === 'instalments') this.#receivables.dropInvoice(reference);
        if (resource === 'receipts') this.#receivables.unallocate(reference);
        if (resource === 'construction-progress') {
            const building = reference.split('/')[0] ?? '';
            this.#progress.delete(building);
            for (const [ref, held] of table) {
                if (ref.split('/')[0] === building) this.#effects(resource, ref, held.body);
            }
        }
        return true;
    }

    /**
     * Applies one PUT of the contract. With keys honoured, the same Idempotency-Key → the first answer again, with no
     * second effect; with keys ignored, a repeat is applied again (an amendment from the same source record).
     */
    apply(
        resource: Resource,
        reference: string,
        idempotencyKey: string | undefined,
        body: Record<string, unknown>,
        at: string,
        keys: KeyHandling = 'honoured',
    ): ErpAnswer {
        const earlier =
            keys === 'honoured' && idempotencyKey !== undefined ? this.#answers.get(idempotencyKey) : undefined;
        if (earlier && (earlier.resource !== resource || earlier.reference !== reference)) {
            return fail(422, 'IDEMPOTENCY_KEY_REUSED', 'the Idempotency-Key was already used for another record', {
                idempotencyKey,
                usedFor: `${earlier.resource}/${earlier.reference}`,
            });
        }
        if (earlier) return { ...earlier.answer, replayed: true };
        const errors = validateEssentials(body);
        if (errors.length > 0) return fail(400, 'VALIDATION_FAILED', 'the request body is invalid', { errors });
        const sourceRecordId = body.sourceRecordId as string;
        const period = (body.postingDate as string).slice(0, 7);
        const periodState = this.periodStatus(period);
        if (periodState !== 'open') {
            return fail(
                422,
                periodState === 'frozen' ? 'PERIOD_FROZEN' : 'PERIOD_CLOSED',
                `accounting period ${period} is ${periodState}`,
                { period },
            );
        }
        const existing = this.held(resource, reference);
        if (existing && existing.sourceRecordId !== sourceRecordId) {
            return fail(409, 'DUPLICATE_REFERENCE', `${reference} already exists in the ERP`, {
                reference,
                existingPostingId: existing.postingId,
                existingSourceRecordId: existing.sourceRecordId,
            });
        }
        const blocked = checkBusinessRules(this, resource, reference, body);
        if (blocked) return blocked;

        const seq = ++this.#seq;
        const postingId = existing?.postingId ?? `ERP-${String(seq).padStart(7, '0')}`;
        this.#table(resource).set(reference, { postingId, sourceRecordId, body });
        const posting: Posting = {
            seq,
            postingId,
            ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
            integrationReference: body.integrationReference as string,
            type: resource,
            reference,
            sourceRecordId,
            receivedAt: at,
            body,
        };
        this.postings.push(posting);
        if (idempotencyKey !== undefined) this.#byKey.set(idempotencyKey, posting);
        this.#effects(resource, reference, body);
        const answer: ErpAnswer = {
            status: existing ? 200 : 201,
            body: { postingId, reference, status: existing ? 'updated' : 'created' },
            replayed: false,
        };
        if (idempotencyKey !== undefined) this.#answers.set(idempotencyKey, { resource, reference, answer });
        return answer;
    }

    #table(resource: Resource): Map<string, HeldRecord> {
        let table = this.#held.get(resource);
        if (!table) {
            table = new Map();
            this.#held.set(resource, table);
        }
        return table;
    }

    #effects(resource: Resource, reference: string, body: Record<string, unknown>): void {
        if (resource === 'construction-progress') {
            const building = String(body.buildingCode);
            const period = String(body.period ?? reference.split('/')[1] ?? '');
            const latest = this.#progress.get(building);
            // A correction of the latest period replaces it; a late report for an earlier period does not.
            if (!latest || period >= latest.period)
                this.#progress.set(building, { period, percent: Number(body.percentComplete) });
        } else if (resource === 'instalments') {
            this.#receivables.invoice(reference, body);
        } else if (resource === 'reservations' && body.status === 'cancelled') {
            this.#receivables.cancelPlan(reference);
        } else if (resource === 'receipts') {
            this.#receivables.allocate(reference, String(body.reservationNumber), Number(body.amount));
        }
    }
}

/** What the books cannot work without; the HTTP layer validates the full schema of the contract first. */
function validateEssentials(body: Record<string, unknown>): Array<{ field: string; reason: string }> {
    const errors: Array<{ field: string; reason: string }> = [];
    if (typeof body.sourceRecordId !== 'string' || body.sourceRecordId === '')
        errors.push({ field: 'sourceRecordId', reason: 'required' });
    if (typeof body.integrationReference !== 'string' || body.integrationReference === '')
        errors.push({ field: 'integrationReference', reason: 'required' });
    if (typeof body.postingDate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(body.postingDate)) {
        errors.push({ field: 'postingDate', reason: 'required, YYYY-MM-DD' });
    }
    for (const field of ['value', 'bookingAmount', 'amount', 'percentComplete', 'sharePercent']) {
        if (field in body && (typeof body[field] !== 'number' || !Number.isFinite(body[field] as number))) {
            errors.push({ field, reason: 'must be a number' });
        }
    }
    return errors;
}
