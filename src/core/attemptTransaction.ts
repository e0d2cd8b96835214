import type { Failure } from '../domain/failure';
import type { TransactionEnvelope } from '../domain/transaction';
import type { AuditEntry } from '../domain/transactionRecord';
import type { EntityMap } from '../mapping/entityMapSchema';
import { buildErpRequest, erpFieldsFrom } from '../mapping/erpMap';
import type { ErpMap } from '../mapping/erpMapSchema';
import type { CallMeter } from '../ports/callMeter';
import type { Clock } from '../ports/clock';
import type { ConditionStore } from '../ports/conditionStore';
import type { CrmClient } from '../ports/crmClient';
import type { ErpClient } from '../ports/erpClient';
import type { Logger } from '../ports/logger';
import type { MappingLookup } from '../ports/mappingLookup';
import { TransactionNotFoundError, type TransactionStore } from '../ports/transactionStore';
import type { ErpBreaker } from './circuitBreaker';
import { erpUnavailable } from './conditionKeys';
import { type CrmRowDeps, checkCrmRow } from './crmRowCheck';
import { describeError } from './describeError';
import type { Invocation, WorkBudget } from './invocation';
import { readPersonalFields, withoutPersonalValues } from './personalData';
import type { RetryPolicy } from './retryPolicy';

export interface AttemptDeps extends CrmRowDeps {
    store: TransactionStore;
    erp: ErpClient;
    crm: CrmClient;
    lookup: MappingLookup;
    erpMap: ErpMap;
    /** Which fields are personal data, read from the CRM row right before the ERP call (src/core/personalData.ts). */
    entityMap: EntityMap;
    conditions: ConditionStore;
    meter: CallMeter;
    breaker: ErpBreaker;
    clock: Clock;
    logger: Logger;
    /** erpKeyReplayMs: within it of acceptance, a retry re-sends without looking its key up first. */
    retryPolicy: Pick<RetryPolicy, 'erpKeyReplayMs'>;
    /** erpCallMs: how long a claim on an ERP call lasts. */
    budget: Pick<WorkBudget, 'erpCallMs'>;
}

export type AttemptOutcome =
    | { kind: 'posted'; postingId: string; replayed: boolean }
    /** erpMayHoldIt: no definite answer yet from an ERP call for it, so the next attempt looks it up first. */
    | { kind: 'failed'; failure: Failure; erpMayHoldIt: boolean }
    /** Another handler's ERP call for it may still be in flight (its session changed hands mid-call) until then. */
    | { kind: 'inFlight'; until: string };

/**
 * Whether the ERP's answer settles that the call had no effect: by the contract a 4xx, 429 or 503 is answered before
 * anything is applied; no answer (a timeout, a dropped connection) or another 5xx leaves it open.
 */
function answerSettlesIt(status: number | undefined): boolean {
    return status !== undefined && (status < 500 || status === 503);
}

/**
 * One attempt to bring a transaction into the ERP, exactly once in effect (the CRM row is brought up to date by the
 * CRM sync, a step of its own: src/core/crmSync.ts):
 * - a transaction the store already holds a posting id for is only confirmed again in the CRM (no second post);
 * - before calling, the attempt claims the call in the store (state `processing`, conditional on the revision it
 *   read): of two handlers that hold the unit's session one after the other (a lock that expired mid-call), only one
 *   calls, and the other waits until the claim has run out;
 * - after a call that got no definite answer (or a crash mid-call), the next attempt re-sends under the same
 *   Idempotency-Key while the ERP still replays it (erpKeyReplayMs), and otherwise first looks the record's postings
 *   up for one carrying this transaction id (integrationReference), which an ERP without keys can answer too;
 * - no call is made while a known condition stands (a frozen period, an open circuit): it fails with that condition.
 * Every ERP call is metered; transient ones feed the circuit breaker.
 */
export async function attemptTransaction(
    given: TransactionEnvelope,
    deps: AttemptDeps,
    invocation: Invocation,
): Promise<AttemptOutcome> {
    // A row the map could not read never reaches the ERP (a defect for its owner); its retry re-reads it first.
    const row = given.invalid ? await checkCrmRow(given, deps) : ({ kind: 'ready', envelope: given } as const);
    if (row.kind === 'failed') return { kind: 'failed', failure: row.failure, erpMayHoldIt: false };
    const envelope = row.envelope;
    const { store, clock } = deps;
    const id = envelope.transactionId;
    const record = await store.get(id);
    if (!record) throw new TransactionNotFoundError(id);
    const startMs = clock.now().getTime();
    const earlierClaim = record.claim;
    if (
        record.state === 'processing' &&
        earlierClaim &&
        earlierClaim.owner !== invocation.id &&
        Date.parse(earlierClaim.until) > startMs
    )
        return { kind: 'inFlight', until: earlierClaim.until };
    const attempt = record.attempts + 1;
    // A call claimed and never answered (a crash, a lost lock) may have reached the ERP.
    const mayHold = record.lookUpBeforePush === true || record.state === 'processing';
    const audit = (
        entry: Omit<
            AuditEntry,
            'at' | 'transactionId' | 'sourceRecordId' | 'entityMapVersion' | 'correlationId' | 'attempt'
        >,
    ) =>
        store.appendAudit({
            at: clock.now().toISOString(),
            transactionId: id,
            sourceRecordId: envelope.source.recordId,
            entityMapVersion: envelope.entityMapVersion,
            correlationId: envelope.correlationId,
            attempt,
            ...entry,
        });
    const failWith = async (
        failure: Failure,
        erpMayHoldIt: boolean,
        extra: Partial<AuditEntry> = {},
    ): Promise<AttemptOutcome> => {
        await audit({ action: 'post', outcome: 'failed', failure, ...extra });
        return { kind: 'failed', failure, erpMayHoldIt };
    };

    let postingId = record.erpPostingId;
    let replayed = false;
    if (!postingId) {
        let withPersonal = envelope;
        if (envelope.personalFields && envelope.personalFields.length > 0) {
            const personal = await readPersonalFields(envelope, deps);
            if (!personal.ok) return failWith(personal.error, mayHold);
            withPersonal = { ...envelope, data: { ...envelope.data, ...personal.value } };
        }
        const built = await buildErpRequest(withPersonal, deps.erpMap, deps.lookup);
        if (!built.ok) return failWith(built.error, mayHold);
        const request = built.value;
        // What the audit keeps of the body: the personal values replaced by a marker.
        const audited = withoutPersonalValues(
            request.body,
            erpFieldsFrom(deps.erpMap, envelope.type, envelope.personalFields ?? []),
        );
        const period = String(request.body.postingDate ?? '').slice(0, 7);
        for (const key of [`period ${period} frozen`, `period ${period} closed`]) {
            const known = await deps.conditions.get(key);
            if (known?.status === 'active') {
                // Learned once: while the period stays frozen, nothing else is sent into it.
                return failWith(
                    {
                        class: 'blocked',
                        code: 'PERIOD_KNOWN_BLOCKED',
                        message: `${key} (known; no ERP call)`,
                        owner: known.owner,
                        condition: key,
                        details: known.details,
                    },
                    mayHold,
                );
            }
        }
        const nowMs = clock.now().getTime();
        if (!(await deps.breaker.allow(nowMs))) return failWith(erpUnavailable('circuit open; no ERP call'), mayHold);

        // 0 = the ERP replays no keys; a clock behind the intake's must not count as "within the retention" either.
        const keyReplayed =
            deps.retryPolicy.erpKeyReplayMs > 0 &&
            nowMs - Date.parse(envelope.acceptedAt) < deps.retryPolicy.erpKeyReplayMs;
        const lookUp = mayHold && !keyReplayed;
        // The claim: from here until the answer (or `until`), no other handler calls the ERP for this transaction. It
        // also marks that the ERP may hold it, until an answer says otherwise.
        await store.updateState(
            id,
            {
                state: 'processing',
                from: [record.state],
                // Exactly the version this attempt decided on (whether to look it up first): of two handlers that
                // read it, only one claims the call, even if the state was left and re-entered in between.
                ifRevision: record.revision ?? 0,
                ...(earlierClaim ? { claimedBy: earlierClaim.owner } : {}),
                attempts: attempt,
                claim: {
                    owner: invocation.id,
                    until: new Date(nowMs + deps.budget.erpCallMs * (lookUp ? 2 : 1)).toISOString(),
                },
                lookUpBeforePush: true,
            },
            clock.now().toISOString(),
        );
        if (lookUp) {
            try {
                // By the record and our transaction id on it: an ERP that keeps no keys can still answer this.
                const earlier = (await deps.erp.findPostings(request.target)).find(
                    (p) => p.integrationReference === id,
                );
                if (earlier) {
                    postingId = earlier.postingId;
                    replayed = true;
                    await audit({
                        action: 'post',
                        outcome: 'skipped',
                        targetRecordId: postingId,
                        erpMapVersion: request.erpMapVersion,
                    });
                }
            } catch (e) {
                deps.breaker.failed(nowMs);
                return failWith(
                    {
                        class: 'transient',
                        code: 'ERP_LOOKUP_FAILED',
                        message: `ERP look-up before re-push failed: ${describeError(e)}`,
                        owner: 'integration',
                    },
                    true,
                );
            }
        }
        if (!postingId) {
            const outcome = await deps.erp.post(request);
            // Held back by the client (the breaker opened, or the ERP refused its period, while it waited for a slot):
            // not an ERP call, so nothing to meter or count against the breaker, and nothing the ERP may hold.
            if (outcome.kind === 'failed' && outcome.notSent) return failWith(outcome.failure, mayHold);
            const day = clock.now().toISOString().slice(0, 10);
            await deps.meter.record({
                day,
                type: envelope.type,
                attempt: attempt > 1 ? 'retry' : 'first',
                outcome: outcome.kind === 'posted' ? 'ok' : outcome.failure.class,
            });
            if (outcome.kind === 'failed') {
                let failure = outcome.failure;
                // Rate limited is not down: the ERP answered and said when to come back, so the breaker ignores a 429.
                const rateLimited = outcome.status === 429;
                if (failure.class === 'transient' && !rateLimited) {
                    deps.breaker.failed(nowMs);
                    if (deps.breaker.snapshot.state === 'open')
                        failure = { ...erpUnavailable(failure.message), code: failure.code };
                } else if (failure.class !== 'transient') deps.breaker.succeeded();
                // An answer that settles it clears what this call added; an earlier uncertain call stays uncertain.
                return failWith(failure, mayHold || !answerSettlesIt(outcome.status), {
                    erpMapVersion: request.erpMapVersion,
                    payload: audited,
                });
            }
            deps.breaker.succeeded();
            postingId = outcome.postingId;
            replayed = outcome.replayed;
            await audit({
                action: 'post',
                outcome: 'ok',
                targetRecordId: postingId,
                erpMapVersion: request.erpMapVersion,
                payload: audited,
            });
        }
        await store.updateState(
            id,
            {
                state: 'posted',
                from: ['processing'],
                claimedBy: invocation.id,
                claim: null,
                lookUpBeforePush: false,
                erpPostingId: postingId,
                lastFailure: null,
            },
            clock.now().toISOString(),
        );
    } else if (record.state !== 'posted') {
        // The ERP already holds it (a review retry of a write-back, a redelivery): posted again, no second post.
        await store.updateState(
            id,
            { state: 'posted', from: [record.state], ifRevision: record.revision ?? 0, lastFailure: null },
            clock.now().toISOString(),
        );
    }
    return { kind: 'posted', postingId, replayed };
}
