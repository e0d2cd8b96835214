/**
 * The sandbox ERP's books: what a real ERP keeps and enforces for our contract (docs/erp-contract.md).
 * Pure state and rules; HTTP, faults and persistence live beside it. The posting list is the ground truth
 * tests and benchmarks read: every accepted write once, in arrival order.
 */
export type PeriodStatus = 'open' | 'frozen' | 'closed';
export type Resource =
    | 'customers'
    | 'reservations'
    | 'instalments'
    | 'receipts'
    | 'commissions'
    | 'construction-progress'
    | 'units';

export interface Posting {
    seq: number;
    postingId: string;
    idempotencyKey: string;
    type: Resource;
    reference: string;
    sourceRecordId: string;
    receivedAt: string;
    body: Record<string, unknown>;
}

export interface Invoice {
    instalmentId: string;
    reservationNumber: string;
    dueDate: string;
    amount: number;
    outstanding: number;
    status: 'open' | 'paid' | 'cancelled';
}

export interface Allocation {
    receiptNumber: string;
    instalmentId: string | null;
    amount: number;
}

export interface ErpAnswer {
    status: number;
    body: Record<string, unknown>;
    replayed: boolean;
}

interface Held {
    postingId: string;
    sourceRecordId: string;
    body: Record<string, unknown>;
}

const cents = (n: number) => Math.round(n * 100) / 100;
const fail = (status: number, code: string, message: string, details: Record<string, unknown> = {}): ErpAnswer => ({
    status,
    body: { code, message, details },
    replayed: false,
});

export class ErpBooks {
    readonly postings: Posting[] = [];
    readonly invoices = new Map<string, Invoice>();
    readonly allocations: Allocation[] = [];
    readonly cancelledPlans: string[] = [];
    /** Commission claims held from payout because a later claim for the same sale would exceed 100 %. */
    readonly payoutHolds: string[] = [];
    readonly periods = new Map<string, PeriodStatus>();
    readonly #held = new Map<string, Map<string, Held>>();
    readonly #answers = new Map<string, ErpAnswer>();
    readonly #progress = new Map<string, number>();

    periodStatus(period: string): PeriodStatus {
        return this.periods.get(period) ?? 'open';
    }

    findByKey(idempotencyKey: string): Posting | undefined {
        return this.postings.find((p) => p.idempotencyKey === idempotencyKey);
    }

    reservation(number: string): Record<string, unknown> | undefined {
        return this.#held.get('reservations')?.get(number)?.body;
    }

    /** Applies one PUT of the contract. Same Idempotency-Key → the first answer again, with no second effect. */
    apply(
        resource: Resource,
        reference: string,
        idempotencyKey: string,
        body: Record<string, unknown>,
        at: string,
    ): ErpAnswer {
        const earlier = this.#answers.get(idempotencyKey);
        if (earlier) return { ...earlier, replayed: true };
        const errors = validate(body);
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
        const existing = this.#table(resource).get(reference);
        if (existing && existing.sourceRecordId !== sourceRecordId && resource !== 'units') {
            return fail(409, 'DUPLICATE_REFERENCE', `${reference} already exists in the ERP`, {
                reference,
                existingPostingId: existing.postingId,
                existingSourceRecordId: existing.sourceRecordId,
            });
        }
        const blocked = this.#checkRules(resource, reference, body);
        if (blocked) return blocked;

        const seq = this.postings.length + 1;
        const postingId = existing?.postingId ?? `ERP-${String(seq).padStart(7, '0')}`;
        this.#table(resource).set(reference, { postingId, sourceRecordId, body });
        this.postings.push({
            seq,
            postingId,
            idempotencyKey,
            type: resource,
            reference,
            sourceRecordId,
            receivedAt: at,
            body,
        });
        this.#effects(resource, reference, body);
        const answer: ErpAnswer = {
            status: existing ? 200 : 201,
            body: { postingId, reference, status: existing ? 'updated' : 'created' },
            replayed: false,
        };
        this.#answers.set(idempotencyKey, answer);
        return answer;
    }

    #table(resource: Resource): Map<string, Held> {
        let table = this.#held.get(resource);
        if (!table) {
            table = new Map();
            this.#held.set(resource, table);
        }
        return table;
    }

    #checkRules(resource: Resource, reference: string, body: Record<string, unknown>): ErpAnswer | undefined {
        if (resource === 'reservations' && !this.#table('customers').has(String(body.customerRef))) {
            return fail(422, 'DEPENDENCY_MISSING', 'the customer is not in the ERP yet', {
                dependsOn: 'customer',
                reference: body.customerRef,
            });
        }
        if (resource === 'reservations' && body.status !== 'cancelled') {
            // One active payment plan per unit: a re-released unit is booked again only after the first plan is cancelled.
            for (const [number, held] of this.#table('reservations')) {
                if (number !== reference && held.body.unitCode === body.unitCode && held.body.status !== 'cancelled') {
                    return fail(
                        409,
                        'UNIT_HAS_ACTIVE_RESERVATION',
                        `unit ${String(body.unitCode)} already has active reservation ${number}`,
                        {
                            unitCode: String(body.unitCode),
                            activeReservation: number,
                        },
                    );
                }
            }
        }
        if (resource === 'instalments' || resource === 'receipts' || resource === 'commissions') {
            const reservation = this.reservation(String(body.reservationNumber));
            if (!reservation) {
                return fail(422, 'DEPENDENCY_MISSING', 'the reservation is not in the ERP yet', {
                    dependsOn: 'reservation',
                    reference: body.reservationNumber,
                });
            }
            if (resource === 'commissions') {
                const others = [...this.#table('commissions')].filter(
                    ([ref, held]) => ref !== reference && held.body.reservationNumber === body.reservationNumber,
                );
                const claimed =
                    others.reduce((sum, [, held]) => sum + Number(held.body.sharePercent), 0) +
                    Number(body.sharePercent);
                if (claimed > 100) {
                    // Nothing for this sale is paid out until someone decides: the claims already held go on payout hold.
                    for (const [ref] of others) if (!this.payoutHolds.includes(ref)) this.payoutHolds.push(ref);
                    return fail(
                        409,
                        'COMMISSION_OVERCLAIMED',
                        `claims for ${String(body.reservationNumber)} would reach ${claimed}% of the commission`,
                        {
                            reservationNumber: String(body.reservationNumber),
                            claimedPercent: claimed,
                            existingClaims: others.map(([ref]) => ref).join(','),
                        },
                    );
                }
            }
            const milestone = body.milestonePercent;
            if (resource === 'instalments' && typeof milestone === 'number') {
                const buildingCode = String(reservation.buildingCode);
                const current = this.#progress.get(buildingCode) ?? 0;
                if (current < milestone) {
                    return fail(
                        422,
                        'MILESTONE_NOT_REACHED',
                        `${buildingCode} is at ${current}%, the instalment needs ${milestone}%`,
                        {
                            buildingCode,
                            requiredPercent: milestone,
                            currentPercent: current,
                        },
                    );
                }
            }
        }
        return undefined;
    }

    #effects(resource: Resource, reference: string, body: Record<string, unknown>): void {
        if (resource === 'construction-progress') {
            const building = String(body.buildingCode);
            this.#progress.set(building, Math.max(this.#progress.get(building) ?? 0, Number(body.percentComplete)));
        } else if (resource === 'instalments') {
            const amount = Number(body.amount);
            const previous = this.invoices.get(reference);
            this.invoices.set(reference, {
                instalmentId: reference,
                reservationNumber: String(body.reservationNumber),
                dueDate: String(body.dueDate),
                amount,
                outstanding: previous ? cents(amount - (previous.amount - previous.outstanding)) : amount,
                status: previous?.status ?? 'open',
            });
        } else if (resource === 'reservations' && body.status === 'cancelled') {
            for (const invoice of this.invoices.values()) {
                if (invoice.reservationNumber === reference && invoice.status === 'open') invoice.status = 'cancelled';
            }
            if (!this.cancelledPlans.includes(reference)) this.cancelledPlans.push(reference);
        } else if (resource === 'receipts') {
            this.#allocate(reference, String(body.reservationNumber), Number(body.amount));
        }
    }

    /** Splits a receipt across the reservation's open invoices, oldest due date first; the rest stays on account. */
    #allocate(receiptNumber: string, reservationNumber: string, amount: number): void {
        let left = cents(amount);
        const open = [...this.invoices.values()]
            .filter((i) => i.reservationNumber === reservationNumber && i.status === 'open' && i.outstanding > 0)
            .sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.instalmentId.localeCompare(b.instalmentId));
        for (const invoice of open) {
            if (left <= 0) break;
            const take = cents(Math.min(left, invoice.outstanding));
            invoice.outstanding = cents(invoice.outstanding - take);
            if (invoice.outstanding === 0) invoice.status = 'paid';
            left = cents(left - take);
            this.allocations.push({ receiptNumber, instalmentId: invoice.instalmentId, amount: take });
        }
        if (left > 0) this.allocations.push({ receiptNumber, instalmentId: null, amount: left });
    }
}

function validate(body: Record<string, unknown>): Array<{ field: string; reason: string }> {
    const errors: Array<{ field: string; reason: string }> = [];
    if (typeof body.sourceRecordId !== 'string' || body.sourceRecordId === '')
        errors.push({ field: 'sourceRecordId', reason: 'required' });
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
