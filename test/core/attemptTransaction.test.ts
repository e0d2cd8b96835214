import { describe, expect, it } from 'vitest';
import { attemptTransaction } from '../../src/core/attemptTransaction';
import { CallPacer, soloShare } from '../../src/core/callPacer';
import { startInvocation } from '../../src/core/invocation';
import { pacedErpClient } from '../../src/core/pacedErpClient';
import { PipelineWorld, seedWorld, testBudget, unitTransaction } from '../support/pipelineWorld';

const invocation = () => startInvocation(Date.parse('2026-11-10T09:00:00Z'), testBudget);

describe('attemptTransaction with the paced ERP client', () => {
    it('neither meters nor counts against the breaker a posting held back because the circuit opened meanwhile', async () => {
        const world = new PipelineWorld();
        await seedWorld(world);
        // The breaker this attempt asks is closed; the fleet's opened while the posting waited for its slot.
        const openMeanwhile = { stillAllows: () => false };
        const erp = pacedErpClient(world.erp, new CallPacer(soloShare(0)), { breaker: openMeanwhile });
        const envelope = unitTransaction('u1', 'reservation', 1);
        await world.store.recordAccepted(envelope, envelope.acceptedAt);
        const outcome = await attemptTransaction(envelope, { ...world.deps, erp }, invocation());
        expect(outcome).toEqual({
            kind: 'failed',
            failure: expect.objectContaining({ code: 'ERP_UNAVAILABLE', condition: 'ERP unavailable' }),
            erpMayHoldIt: false,
        });
        expect(world.erp.calls).toBe(0);
        expect((await world.meter.read('2026-11-10')).calls).toBe(0);
        expect(world.deps.breaker.snapshot).toEqual({ state: 'closed', failures: 0 });
    });

    it('sends, meters and counts as before while the circuit stays closed', async () => {
        const world = new PipelineWorld();
        await seedWorld(world);
        const closed = { stillAllows: () => true };
        const erp = pacedErpClient(world.erp, new CallPacer(soloShare(0)), { breaker: closed });
        const envelope = unitTransaction('u1', 'reservation', 1);
        await world.store.recordAccepted(envelope, envelope.acceptedAt);
        const outcome = await attemptTransaction(envelope, { ...world.deps, erp }, invocation());
        expect(outcome.kind).toBe('posted');
        expect(world.erp.calls).toBe(1);
        expect((await world.meter.read('2026-11-10')).calls).toBe(1);
    });
});
