import { z } from 'zod';
import type { HttpAnswer } from './erpApi';
import { type ErpBooks, type Resource, resources } from './erpBooks';
import { type ErpFaults, faultPatchSchema } from './erpFaults';
import type { ErpJournal } from './erpJournal';
import { type CallCounter, ledgerOf } from './erpLedger';

export interface ErpSandboxState {
    books: ErpBooks;
    faults: ErpFaults;
    calls: CallCounter;
    journal: ErpJournal;
}

/** The routes tests, drills and the simulator use to steer the sandbox (documented in docs/erp-contract.md). */
export const sandboxRoutes = [
    'GET /sandbox/faults',
    'PUT /sandbox/faults',
    'PUT /sandbox/periods/{period}',
    'GET /sandbox/ledger',
    'POST /sandbox/reset',
    'DELETE /sandbox/records/{resource}/{reference}',
] as const;

const periodBody = z.object({ status: z.enum(['open', 'frozen', 'closed']) }).strict();

const invalid = (error: z.ZodError): HttpAnswer => ({
    status: 400,
    body: {
        code: 'VALIDATION_FAILED',
        message: z.prettifyError(error),
        details: { errors: error.issues.map((i) => ({ field: i.path.join('.') || '(body)', reason: i.message })) },
    },
});

/** No auth and no faults: loopback only, never part of the ERP contract. */
export function answerSandboxCall(method: string, path: string, body: unknown, state: ErpSandboxState): HttpAnswer {
    if (path === '/sandbox/faults' && method === 'GET') return { status: 200, body: state.faults.settings };
    if (path === '/sandbox/faults' && method === 'PUT') {
        const patch = faultPatchSchema.safeParse(body ?? {});
        return patch.success ? { status: 200, body: state.faults.update(patch.data) } : invalid(patch.error);
    }
    const period = /^\/sandbox\/periods\/(\d{4}-(?:0[1-9]|1[0-2]))$/.exec(path)?.[1];
    if (period && method === 'PUT') {
        const parsed = periodBody.safeParse(body);
        if (!parsed.success) return invalid(parsed.error);
        state.books.periods.set(period, parsed.data.status);
        state.journal.append({ kind: 'period', period, status: parsed.data.status });
        return { status: 200, body: { period, status: parsed.data.status } };
    }
    if (path === '/sandbox/ledger' && method === 'GET')
        return { status: 200, body: ledgerOf(state.books, state.calls) };
    const removal = /^\/sandbox\/records\/([^/]+)\/(.+)$/.exec(path);
    if (removal && method === 'DELETE') {
        // A lost posting, for reconciliation drills: the ERP forgets the record and its idempotency keys.
        const resource = removal[1] as Resource;
        if (!resources.includes(resource))
            return { status: 404, body: { code: 'NOT_FOUND', message: `no resource ${resource}`, details: {} } };
        let reference: string;
        try {
            reference = decodeURIComponent(removal[2] ?? '');
        } catch {
            return invalid(new z.ZodError([{ code: 'custom', path: ['reference'], message: 'not URL-encoded' }]));
        }
        if (!state.books.remove(resource, reference)) {
            return {
                status: 404,
                body: { code: 'NOT_FOUND', message: `no ${resource} ${reference}`, details: { reference } },
            };
        }
        state.journal.append({ kind: 'remove', resource, reference });
        return { status: 200, body: { removed: { resource, reference } } };
    }
    if (path === '/sandbox/reset' && method === 'POST') {
        state.books.reset();
        state.faults.reset();
        state.calls.reset();
        // Journaled too, so a restart replays to the same empty books.
        state.journal.append({ kind: 'reset' });
        return { status: 200, body: { reset: true } };
    }
    return { status: 404, body: { code: 'NOT_FOUND', message: 'no such sandbox route', details: {} } };
}
