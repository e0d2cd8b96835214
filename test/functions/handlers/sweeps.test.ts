import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import {
    createSweepListHandler,
    createSweepRunHandler,
    createSweepTimerHandler,
} from '../../../functions/handlers/sweeps';
import type { NormalizedAttributes } from '../../../src/dataverse/normalizedEvent';
import type { CrmTableReader } from '../../../src/ports/crmClient';
import { CrmUnavailableError } from '../../../src/ports/crmErrors';
import { userActor } from '../../support/actors';
import { memoryServices } from '../../support/memoryServices';

const contactId = '8f4c2a10-6e1b-f011-8c4d-6045bd8a2b11';
const contact: NormalizedAttributes = {
    contactid: contactId,
    firstname: 'Lina',
    lastname: 'Haddad',
    versionnumber: 5948260,
    createdon: '2026-11-10T08:59:00Z',
    modifiedon: '2026-11-10T08:59:00Z',
};

/** A Dataverse holding one contact changed in the window; every other table empty. */
const oneContact: CrmTableReader = {
    readPage: async (entity) => ({ rows: entity === 'contact' ? [{ attributes: contact, formatted: {} }] : [] }),
};

const context = () => new InvocationContext({ functionName: 'sweeps', logHandler: () => {} });
const post = (body?: unknown) =>
    new HttpRequest({
        method: 'POST',
        url: 'http://localhost/api/sweeps',
        ...(body === undefined ? {} : { body: { string: typeof body === 'string' ? body : JSON.stringify(body) } }),
    });

function services(reader: CrmTableReader = oneContact) {
    const s = memoryServices();
    s.sweep = { ...s.sweep, reader };
    return s;
}

describe('sweep handlers', () => {
    it('POST /api/sweeps sweeps now as the signed-in operator and answers with the run; GET lists it', async () => {
        const s = services();
        const res = await createSweepRunHandler(async () => s)(post(), context(), userActor('ops@contoso.example'));
        expect(res.status).toBe(200);
        expect(res.jsonBody).toMatchObject({
            trigger: 'http',
            requestedBy: 'ops@contoso.example',
            status: 'complete',
            window: { since: '2026-11-09T08:00:00.000Z', until: '2026-11-10T09:00:00.000Z' },
            totals: { rowsRead: 1, replayed: 1 },
        });
        expect(s.sent.map((m) => m.sessionId)).toEqual([`contact-${contactId}`]);
        const list = await createSweepListHandler(async () => s)(
            new HttpRequest({ method: 'GET', url: 'http://localhost/api/sweeps?top=5' }),
        );
        expect((list.jsonBody as { sweeps: Array<{ id: string }> }).sweeps.map((r) => r.id)).toEqual([
            (res.jsonBody as { id: string }).id,
        ]);
    });

    it('answers 400 naming the field for a bad body or window, and sweeps nothing', async () => {
        const s = services();
        const run = (body: unknown) => createSweepRunHandler(async () => s)(post(body), context(), userActor());
        const field = async (body: unknown) => {
            const res = await run(body);
            return [res.status, (res.jsonBody as { error: { code: string; field: string } }).error];
        };
        expect(await field('not json')).toEqual([400, expect.objectContaining({ code: 'INVALID_BODY' })]);
        expect(await field({ since: 'yesterday' })).toEqual([
            400,
            { code: 'INVALID_BODY', field: 'since', message: expect.any(String) },
        ]);
        expect(await field({ days: 2 })).toEqual([400, expect.objectContaining({ code: 'INVALID_BODY' })]);
        expect(await field({ since: '2026-11-10T08:00:00Z', until: '2026-11-10T07:00:00Z' })).toEqual([
            400,
            expect.objectContaining({ code: 'INVALID_WINDOW', field: 'since' }),
        ]);
        expect(await field({ until: '2026-12-01T00:00:00Z' })).toEqual([
            400,
            expect.objectContaining({ code: 'INVALID_WINDOW', field: 'until' }),
        ]);
        expect(await s.sweep.runs.list(10)).toEqual([]);
        expect(s.sent).toEqual([]);
        const list = await createSweepListHandler(async () => s)(
            new HttpRequest({ method: 'GET', url: 'http://localhost/api/sweeps?top=1e2' }),
        );
        expect(list.status).toBe(400);
    });

    it('the timer records its run and fails the invocation when the run is not complete', async () => {
        const down: CrmTableReader = {
            readPage: async () => {
                throw new CrmUnavailableError('Dataverse answered 503');
            },
        };
        const s = services(down);
        await expect(createSweepTimerHandler(async () => s)({}, context())).rejects.toThrow(/is failed/);
        const [run] = await s.sweep.runs.list(1);
        expect(run?.status).toBe('failed');

        const ok = services();
        await createSweepTimerHandler(async () => ok)({}, context());
        expect((await ok.sweep.runs.list(1))[0]?.status).toBe('complete');
    });
});
