import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationContext } from '@azure/functions';
import { buildRegistrations } from '../functions/registrations';
import type { Services } from '../functions/services';
import { startLocalRuntime } from '../local/localRuntime';
import { loadLocalSettings, onFreePorts } from '../local/localSettings';
import { DataverseWebhookEmitter } from '../sandbox/dataverse/dataverseWebhookEmitter';
import {
    type BuilderValue,
    buildRemoteExecutionContext,
    buildWebhookHeaders,
    derivedGuid,
} from '../sandbox/dataverse/remoteExecutionContextBuilder';

/** One check of the drill: what was expected, what was seen, and whether they agree. */
export interface DrillCheck {
    check: string;
    ok: boolean;
    seen: unknown;
}

export interface BadRowDrillResult {
    passed: boolean;
    checks: DrillCheck[];
}

interface BadRow {
    name: string;
    reservationId: string;
    number: string;
    /** `<table>.<column>` intake must name. */
    field: string;
    /** The value the row is fixed with. */
    fix: Record<string, BuilderValue>;
    transactionId?: string;
}

/**
 * `npm run drill -- bad-row`: the whole path of a bad CRM row on the local runtime (Azurite, the embedded queue and
 * session pump, the sandbox Dataverse, ERP and Graph, the Functions registrations over HTTP). Two reservation Updates
 * go through the webhook, one with its required `re_reservedon` emptied and one whose `re_bookingamount` is a Money
 * the parser cannot read; each must be answered 202, land in review naming its column (CRM_ROW_INVALID, owned by
 * sales operations), raise one alert on the owner's channel, and have its reason written back to its CRM row. Then the
 * rows are fixed in the sandbox Dataverse (which sends their Update webhooks) and each is retried from the review
 * queue: it must be read again and posted once, with the fixed values. Passed only when every check holds.
 */
export async function badRowDrill(log: (line: string) => void): Promise<BadRowDrillResult> {
    const stateDir = mkdtempSync(join(tmpdir(), 'bad-row-drill-'));
    const settings = loadLocalSettings({ LOCAL_STATE_DIR: stateDir, ...onFreePorts() });
    const runtime = await startLocalRuntime(settings, log);
    const checks: DrillCheck[] = [];
    const expect = (check: string, ok: boolean, seen: unknown) => {
        checks.push({ check, ok, seen });
        log(`${ok ? 'ok  ' : 'FAIL'} ${check}${ok ? '' : `: saw ${JSON.stringify(seen)}`}`);
    };
    try {
        const services = runtime.services;
        const records = runtime.dataverse.records;
        const emitter = new DataverseWebhookEmitter({
            records,
            target: { url: `${runtime.host.url}/api/dataverse/events`, functionKey: runtime.functionKey },
        });
        const id = (name: string) => derivedGuid(`bad-row-drill:${name}`);
        const idle = () => runtime.pump.idle();

        // The tower, a unit and a buyer, as the sample launch makes them; the buyer posts first.
        const buildingId = id('building');
        emitter.seed('re_project', id('project'), { re_code: 'MARINA', re_name: 'Marina', re_currencycode: 'AED' });
        emitter.seed('re_building', buildingId, {
            re_code: 'MARINA-T9',
            re_name: 'Marina Tower 9',
            re_projectid: { ref: { logicalName: 're_project', id: id('project') } },
        });
        await services.lookup.put('buildingCode', buildingId, 'MARINA-T9');
        await services.lookup.put('buildingCostCentre', buildingId, 'CC-MARINA-T9');
        const units = ['0901', '0902'].map((n) => ({ id: id(`unit-${n}`), code: `MARINA-T9-${n}` }));
        for (const unit of units) {
            emitter.seed('re_unit', unit.id, {
                re_code: unit.code,
                re_buildingid: { ref: { logicalName: 're_building', id: buildingId } },
                re_status: { option: 100000001 },
            });
        }
        const buyer = id('buyer');
        await emitter.create('contact', buyer, { firstname: 'Rania', lastname: 'Drill' });
        await idle();

        const now = new Date();
        const reservation = (n: number): Record<string, BuilderValue> => ({
            re_name: `RSV-DRILL-${n}`,
            re_unitid: { ref: { logicalName: 're_unit', id: units[n - 1]?.id ?? '' } },
            re_buyerid: { ref: { logicalName: 'contact', id: buyer } },
            re_value: { money: 1_300_000 },
            re_bookingamount: { money: 130_000 },
            re_reservedon: { date: now },
            re_status: { option: 100000000 },
        });
        const rows: BadRow[] = [
            {
                name: 'missing required column',
                reservationId: id('reservation-1'),
                number: 'RSV-DRILL-1',
                field: 're_reservation.re_reservedon',
                fix: { re_reservedon: { date: now } },
            },
            {
                name: 'unparseable amount',
                reservationId: id('reservation-2'),
                number: 'RSV-DRILL-2',
                field: 're_reservation.re_bookingamount',
                fix: { re_bookingamount: { money: 131_500 } },
            },
        ];
        for (const [i, row] of rows.entries()) {
            const created = await emitter.create('re_reservation', row.reservationId, reservation(i + 1));
            if (created.status !== 202) throw new Error(`setup: reservation ${row.number} answered ${created.status}`);
        }
        await idle();

        // The bad updates, through the webhook.
        const missing = await emitter.update('re_reservation', rows[0]?.reservationId ?? '', { re_reservedon: null });
        const garbled = await postGarbledAmount(runtime.host.url, runtime.functionKey, rows[1], reservation(2));
        for (const [row, answer] of [
            [rows[0], missing],
            [rows[1], garbled],
        ] as const) {
            if (!row) continue;
            const body = answer.body as { status?: string; transactionId?: string; invalid?: { field?: string } };
            row.transactionId = body.transactionId;
            expect(
                `${row.name}: the webhook answers 202 accepted, naming ${row.field}`,
                answer.status === 202 && body.status === 'accepted' && body.invalid?.field === row.field,
                answer,
            );
        }
        await idle();

        for (const row of rows) {
            const record = row.transactionId ? await services.store.get(row.transactionId) : undefined;
            const failure = record?.lastFailure;
            expect(
                `${row.name}: in review as CRM_ROW_INVALID for sales operations, ${row.field} as evidence`,
                record?.state === 'review' &&
                    failure?.code === 'CRM_ROW_INVALID' &&
                    failure.owner === 'salesOperations' &&
                    failure.details?.field === row.field,
                { state: record?.state, failure },
            );
        }

        // The alert pass (its timer also runs by itself locally): one alert per bad column, on the owner's channel.
        await fireTimer(runtime.services, 'dispatch-notifications');
        const alerts = (await services.notifications.alerts.list({ unresolvedOnly: true, max: 100 })).filter(
            (a) => a.code === 'CRM_ROW_INVALID',
        );
        for (const row of rows) {
            const mine = alerts.filter((a) => a.groupKey.endsWith(`|${row.field}`));
            const cards = runtime.graph.channelMessages.filter((m) => m.summary?.includes(row.field));
            expect(
                `${row.name}: one alert, count 1, to sales operations, posted to its channel`,
                mine.length === 1 &&
                    mine[0]?.count === 1 &&
                    mine[0]?.owner === 'salesOperations' &&
                    cards.length === 1 &&
                    cards[0]?.channelId === '19:sales-ops-integration@thread.tacv2',
                { alerts: mine.map((a) => ({ owner: a.owner, count: a.count })), cards: cards.length },
            );
        }

        // Written back to the CRM row (the integration's columns): the owner sees it on the row itself.
        for (const row of rows) {
            const crm = records.get('re_reservation', row.reservationId);
            const column = row.field.split('.')[1] ?? row.field;
            expect(
                `${row.name}: the CRM row says review, naming ${column} (re_erpsyncstatus, re_erpsyncerror)`,
                crm?.re_erpsyncstatus === 'review' &&
                    typeof crm.re_erpsyncerror === 'string' &&
                    crm.re_erpsyncerror.includes(column),
                { re_erpsyncstatus: crm?.re_erpsyncstatus, re_erpsyncerror: crm?.re_erpsyncerror },
            );
        }

        // Fixed in the CRM (each fix sends its own Update webhook, held behind the item in review), then retried.
        const postingsBefore = new Map(
            rows.map((r) => [r.number, runtime.erp.books.findByReference('reservations', r.number).length]),
        );
        for (const row of rows) await emitter.update('re_reservation', row.reservationId, row.fix);
        await idle();
        for (const row of rows) {
            const res = await fetch(`${runtime.host.url}/api/review/${row.transactionId}/retry`, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: '{}',
            });
            expect(`${row.name}: the review retry is taken`, res.status === 200 || res.status === 202, res.status);
        }
        await idle();
        for (const row of rows) {
            const record = row.transactionId ? await services.store.get(row.transactionId) : undefined;
            const postings = runtime.erp.books.findByReference('reservations', row.number);
            const added = postings.slice(postingsBefore.get(row.number) ?? 0);
            const held = runtime.erp.books.held('reservations', row.number);
            const expected = row.field.endsWith('re_bookingamount')
                ? held?.body.bookingAmount === 131_500
                : typeof held?.body.reservedOn === 'string';
            expect(
                `${row.name}: after the fix the retry re-reads the row and posts it once, with the fixed value`,
                record?.state === 'confirmed' &&
                    record.envelope.invalid === undefined &&
                    added.length === 1 &&
                    added[0]?.integrationReference === row.transactionId &&
                    expected,
                { state: record?.state, postingsAdded: added.length, erp: held?.body },
            );
            const others = (await services.store.listBySourceRecord(row.reservationId)).filter(
                (t) => t.envelope.transactionId !== row.transactionId,
            );
            const fixEvent = others.at(-1);
            expect(
                `${row.name}: the fix's own event is not posted again (stale)`,
                fixEvent?.state === 'stale',
                fixEvent?.state,
            );
        }
        return { passed: checks.every((c) => c.ok), checks };
    } finally {
        await runtime.stop();
        rmSync(stateDir, { recursive: true, force: true });
    }
}

/**
 * A reservation Update whose Target carries `re_bookingamount` as a Money with a Value no parser can read, as a broken
 * sender or a proxy rewriting numbers would deliver it; the sandbox row keeps its last good value.
 */
async function postGarbledAmount(
    hostUrl: string,
    functionKey: string,
    row: BadRow | undefined,
    before: Record<string, BuilderValue>,
): Promise<{ status: number; body: unknown }> {
    if (!row) throw new Error('drill rows missing');
    const context = buildRemoteExecutionContext({
        message: 'Update',
        entity: 're_reservation',
        id: row.reservationId,
        attributes: { re_bookingamount: { money: 0 }, modifiedon: { date: new Date() } },
        preImage: before,
        postImage: before,
    });
    const target = (
        context.InputParameters as Array<{ key: string; value: { Attributes: Array<{ key: string; value: unknown }> } }>
    )[0];
    const amount = target?.value.Attributes.find((a) => a.key === 're_bookingamount');
    if (!amount) throw new Error('drill: the built context has no re_bookingamount');
    amount.value = { __type: 'Money:http://schemas.microsoft.com/xrm/2011/Contracts', Value: '12,5OO.00' };
    const url = new URL(`${hostUrl}/api/dataverse/events`);
    url.searchParams.set('code', functionKey);
    const res = await fetch(url, {
        method: 'POST',
        headers: buildWebhookHeaders(context, { organization: 'contoso-developments.crm15.dynamics.com' }),
        body: JSON.stringify(context),
    });
    return { status: res.status, body: await res.json().catch(() => undefined) };
}

async function fireTimer(services: Services, name: string): Promise<void> {
    const timer = buildRegistrations(async () => services, 'functionKey').find((r) => r.name === name);
    if (timer?.kind !== 'timer') throw new Error(`no timer ${name}`);
    await timer.handler({}, new InvocationContext({ functionName: name, logHandler: () => {} }));
}
