import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { describeError } from '../../src/core/describeError';
import { runSweep, type SweepDeps, SweepWindowError } from '../../src/sweep/runSweep';
import { sweepListQuerySchema, sweepListResponseSchema, sweepRunBodySchema, sweepRunSchema } from '../api/sweepSchemas';
import { jsonOf } from '../api/typedJson';
import { invalidInput, queryObject } from '../api/zodProblem';
import type { Actor } from '../auth/operatorAccess';
import type { Services, ServicesProvider } from '../services';
import { contextLogger } from './contextLogger';
import { problem } from './jsonResponse';
import { optionalJsonBody } from './optionalJsonBody';

function deps(s: Services, context: InvocationContext): SweepDeps {
    return {
        ...s,
        logger: contextLogger(context),
        reader: s.sweep.reader,
        runs: s.sweep.runs,
        options: s.sweep.options,
    };
}

/**
 * Timer (SWEEP_SCHEDULE, daily by default): one run from where the last complete one ended. A run that is not
 * complete fails the invocation too (it shows in the Functions monitor), after it was recorded.
 */
export function createSweepTimerHandler(services: ServicesProvider) {
    return async (_timer: unknown, context: InvocationContext): Promise<void> => {
        const s = await services();
        const run = await runSweep(deps(s, context), { trigger: 'timer' });
        context.log(
            `sweep ${run.id} ${run.status}: ${run.totals.rowsRead} rows read, ${run.totals.replayed} replayed, ${run.totals.failed} failed`,
        );
        if (run.status !== 'complete')
            throw new Error(`sweep ${run.id} is ${run.status} (GET /api/sweeps); the next run sweeps its window again`);
    };
}

/**
 * POST /api/sweeps {since?, until?}: sweeps now for events Dataverse gave up on, recording the signed-in actor, and
 * answers with the run (200; `status` says whether it is complete). 400 for a window that cannot be swept; 503 when
 * the run cannot be recorded.
 */
export function createSweepRunHandler(services: ServicesProvider) {
    return async (request: HttpRequest, context: InvocationContext, actor: Actor): Promise<HttpResponseInit> => {
        const read = await optionalJsonBody(request);
        if (!read.ok) return problem(400, 'INVALID_BODY', 'the body is not JSON; expected {"since"?, "until"?}');
        const parsed = sweepRunBodySchema.safeParse(read.body);
        if (!parsed.success) return invalidInput('INVALID_BODY', parsed.error);
        const s = await services();
        try {
            const run = await runSweep(deps(s, context), {
                trigger: 'http',
                requestedBy: actor.name,
                ...parsed.data,
            });
            return jsonOf(sweepRunSchema, 200, run);
        } catch (e) {
            if (e instanceof SweepWindowError) return problem(400, e.code, e.message, { field: e.field });
            return problem(503, 'SWEEP_UNAVAILABLE', `cannot sweep now: ${describeError(e)}`);
        }
    };
}

/** GET /api/sweeps?top=10: past runs, newest first, with what each found. */
export function createSweepListHandler(services: ServicesProvider) {
    return async (request: HttpRequest): Promise<HttpResponseInit> => {
        const raw = request.query.get('top');
        const query = sweepListQuerySchema.safeParse(queryObject(request.query));
        if (!query.success || (raw !== null && !/^\d+$/.test(raw)))
            return problem(400, 'INVALID_QUERY', 'top must be a whole number from 1 to 50', { field: 'top' });
        const s = await services();
        return jsonOf(sweepListResponseSchema, 200, { sweeps: await s.sweep.runs.list(query.data.top) });
    };
}
