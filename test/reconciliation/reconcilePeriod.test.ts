import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '../../src/adapters/memory/memoryBlobStore';
import { MemorySessionGateStore } from '../../src/adapters/memory/memorySessionGateStore';
import { MemoryTransactionStore } from '../../src/adapters/memory/memoryTransactionStore';
import { loadConfigFile } from '../../src/config/configFile';
import type { TransactionEnvelope } from '../../src/domain/transaction';
import { recognitionRuleSchema } from '../../src/reconciliation/recognitionRule';
import { reconcilePeriod } from '../../src/reconciliation/reconcilePeriod';
import { ReportArchive } from '../../src/reconciliation/reportArchive';
import { csvColumns } from '../../src/reconciliation/reportFormats';
import { repushRecord } from '../../src/reconciliation/repush';
import { anyState } from '../support/anyState';
import { testConfig } from '../support/memoryServices';
import { crmRows, erpBooks, fakeReader, fakeReporting } from './support/fakeBooks';

const rule = loadConfigFile('config/recognition-rule.v1.json', recognitionRuleSchema);
const clock = { now: () => new Date('2026-12-03T06:00:00Z') };

function envelope(
    id: string,
    recordId: string,
    entity: string,
    type: TransactionEnvelope['type'],
): TransactionEnvelope {
    return {
        transactionId: id,
        type,
        action: 'upsert',
        sessionId: 'unit-u2',
        source: { entity, recordId, message: 'Create', changedAt: '2026-11-05T09:00:00.000Z' },
        correlationId: `corr-${id}`,
        entityMapVersion: '1',
        acceptedAt: `2026-11-05T09:00:0${id.length % 10}.000Z`,
        data: {},
    };
}

function world(erp = erpBooks()) {
    const store = new MemoryTransactionStore();
    const gates = new MemorySessionGateStore();
    const reporting = fakeReporting(erp);
    const reader = fakeReader(crmRows());
    const deps = {
        crmTables: reader,
        entityMap: testConfig.entityMap,
        erpReporting: reporting,
        recognitionRule: rule,
        clock,
        store,
        gates,
    };
    return { store, gates, reporting, reader, deps };
}

describe('summary level', () => {
    it('balances a CRM and ERP that agree, the gap being exactly what 40 % leaves unrecognised, with no record-level reads', async () => {
        const { deps, reporting, reader } = world();
        const report = await reconcilePeriod('2026-11', undefined, deps);
        expect(report.balanced).toBe(true);
        expect(report.findings).toEqual([]);
        expect(reporting.recordCalls).toEqual([]);
        const [b] = report.buildings;
        expect(b).toMatchObject({
            projectCode: 'MARINA',
            buildingCode: 'MARINA-T1',
            reservations: { crm: 2, erp: 2 },
            reservedValue: { crm: 1_800_000, erp: 1_800_000, difference: 0, withinTolerance: true },
            // The December receipt is after the period; the cancelled reservation does not count.
            receipts: { crm: 100_000, erp: 100_000 },
            recognition: { crm: 720_000, erp: 720_000 },
            expectedGap: 1_080_000,
            unexplainedGap: 0,
            status: 'balanced',
        });
        // Tables read page by page.
        expect(reader.calls).toContain('re_reservation 2');
    });

    it('tolerates a difference within the rule and flags one beyond it', async () => {
        const erp = erpBooks();
        const figures = erp.figures[0];
        if (!figures) throw new Error('no figures');
        figures.recognisedRevenue = 720_000.9;
        expect((await reconcilePeriod('2026-11', undefined, world(erp).deps)).balanced).toBe(true);
        figures.recognisedRevenue = 720_500;
        const report = await reconcilePeriod('2026-11', undefined, world(erp).deps);
        expect(report.balanced).toBe(false);
        expect(report.buildings[0]?.unexplainedGap).toBe(-500);
    });

    it('refuses a malformed period and reconciles one project only', async () => {
        const { deps } = world();
        await expect(reconcilePeriod('2026-13', undefined, deps)).rejects.toThrow(
            'period must be YYYY-MM, got "2026-13"',
        );
        expect((await reconcilePeriod('2026-11', 'OTHER', deps)).buildings).toEqual([]);
    });

    it('rejects a rule file with an unknown key, naming the file and the key', () => {
        expect(() => recognitionRuleSchema.parse({ ...rule, tolerence: 1 })).toThrow(/tolerence/);
    });
});

describe('record level', () => {
    it('names a record missing from the ERP, an amount mismatch and an ERP posting with no CRM source', async () => {
        const erp = erpBooks();
        const figures = erp.figures[0];
        if (!figures) throw new Error('no figures');
        figures.contractValue = 1_000_000;
        figures.reservations = 1;
        erp.records = erp.records.filter((r) => r.reference !== 'RSV-2');
        const instalment = erp.records.find((r) => r.reference === 'RSV-1-01');
        if (instalment) instalment.amount = 90_000;
        erp.records.push({
            type: 'receipt',
            reference: 'RCT-9',
            sourceRecordId: 'zz',
            postingId: 'ERP-9',
            reservationNumber: 'RSV-1',
            amount: 5,
            status: 'received',
        });
        const { deps, store } = world(erp);
        await store.recordAccepted(envelope('tx-r2', 'r2', 're_reservation', 'reservation'), '2026-11-05T09:00:00Z');
        await store.updateState(
            'tx-r2',
            { from: anyState, state: 'confirmed', erpPostingId: 'ERP-2' },
            '2026-11-05T09:00:01Z',
        );

        const report = await reconcilePeriod('2026-11', undefined, deps);
        expect(report.investigated).toEqual(['MARINA-T1']);
        expect(report.findings.map((f) => [f.kind, f.reference, f.transactionId, f.owner, f.repushable])).toEqual([
            ['missingInErp', 'RSV-2', 'tx-r2', 'integration', true],
            ['amountMismatch', 'RSV-1-01', null, 'integration', false],
            ['noCrmSource', 'RCT-9', null, 'finance', false],
        ]);
    });

    it('explains a difference by the transactions still on their way, held ones by their unit blocker', async () => {
        const erp = erpBooks();
        erp.records = erp.records.filter((r) => r.reservationNumber !== 'RSV-2');
        const figures = erp.figures[0];
        if (figures) figures.reservations = 1;
        const { deps, store, gates } = world(erp);
        await store.recordAccepted(envelope('tx-r2', 'r2', 're_reservation', 'reservation'), '2026-11-05T09:00:00Z');
        await store.updateState(
            'tx-r2',
            {
                from: anyState,
                state: 'parked',
                lastFailure: {
                    class: 'blocked',
                    code: 'ERP_PERIOD_FROZEN',
                    message: 'frozen',
                    owner: 'finance',
                    condition: 'period 2026-11 frozen',
                },
            },
            '2026-11-05T09:00:01Z',
        );
        await store.recordAccepted(envelope('tx-i2', 'i2', 're_installment', 'instalment'), '2026-11-05T09:00:02Z');
        await store.updateState('tx-i2', { from: anyState, state: 'held' }, '2026-11-05T09:00:03Z');
        await gates.put({ sessionId: 'unit-u2', blockedBy: 'tx-r2', held: ['tx-i2'] });

        const report = await reconcilePeriod('2026-11', undefined, deps);
        expect(
            report.findings.map((f) => [f.kind, f.reference, f.transactionId, f.state, f.owner, f.condition]),
        ).toEqual([
            ['pending', 'RSV-2', 'tx-r2', 'parked', 'finance', 'period 2026-11 frozen'],
            ['pending', 'RSV-2-01', 'tx-i2', 'held', 'finance', 'held behind reservation tx-r2: period 2026-11 frozen'],
        ]);
    });
});

describe('stored report and re-push', () => {
    it('stores Markdown, CSV and JSON per run, lists runs newest first and reads the CSV back', async () => {
        const erp = erpBooks();
        erp.records.push({
            type: 'receipt',
            reference: 'RCT-9',
            sourceRecordId: 'zz',
            postingId: 'ERP-9',
            reservationNumber: 'RSV-1',
            amount: 5,
            status: 'received',
        });
        const figures = erp.figures[0];
        if (figures) figures.received = 100_500;
        const report = await reconcilePeriod('2026-11', undefined, world(erp).deps);
        const archive = new ReportArchive(new MemoryBlobStore('reconciliations'));
        const stored = await archive.save(report);
        expect(stored.files).toEqual({
            json: `2026-11/${report.id}/report.json`,
            markdown: `2026-11/${report.id}/report.md`,
            csv: `2026-11/${report.id}/lines.csv`,
        });
        expect((await archive.list()).map((e) => e.id)).toEqual([report.id]);
        expect(await archive.latest('2026-11')).toEqual(report);
        const csv = await archive.file(report, 'csv');
        const rows = parse(csv?.text ?? '', { columns: true }) as Array<Record<string, string>>;
        expect(Object.keys(rows[0] ?? {})).toEqual([...csvColumns]);
        expect(rows.map((r) => [r.kind, r.reference, r.owner])).toEqual([['noCrmSource', 'RCT-9', 'finance']]);
        expect((await archive.file(report, 'markdown'))?.text).toContain('**Not balanced.**');
    });

    it('re-pushes the newest applied transaction through the unit session with its key, and nothing else', async () => {
        const store = new MemoryTransactionStore();
        const sent: Array<{ messageId: string; sessionId: string; body: unknown }> = [];
        const gates = new MemorySessionGateStore();
        const deps = { store, gates, queue: { send: async (m: typeof sent) => void sent.push(...m) }, clock };
        expect(await repushRecord('nobody', 'op', deps)).toEqual({ kind: 'neverAccepted' });
        await store.recordAccepted(envelope('tx-c1', 'c1', 're_receipt', 'receipt'), '2026-11-05T09:00:00Z');
        await store.updateState(
            'tx-c1',
            { from: anyState, state: 'confirmed', erpPostingId: 'ERP-5' },
            '2026-11-05T09:00:01Z',
        );

        expect(await repushRecord('C1', 'finance.controller', deps)).toEqual({
            kind: 'queued',
            transactionId: 'tx-c1',
            sessionId: 'unit-u2',
        });
        expect(sent).toEqual([
            {
                messageId: expect.stringMatching(/^repush-/),
                sessionId: 'unit-u2',
                body: expect.objectContaining({ transactionId: 'tx-c1' }),
            },
        ]);
        expect((await store.get('tx-c1'))?.state).toBe('queued');
        // Back in its unit's backlog, so later transactions of the unit wait for it again.
        expect((await gates.get('unit-u2')).backlog.map((e) => e.transactionId)).toEqual(['tx-c1']);
        expect((await store.listAudit('tx-c1')).at(-1)).toMatchObject({
            action: 'reconciliation:repush',
            payload: { by: 'finance.controller', previousState: 'confirmed', previousPostingId: 'ERP-5' },
        });
        // Now on its way: a second re-push is refused.
        expect(await repushRecord('c1', 'op', deps)).toEqual({
            kind: 'onItsWay',
            transactionId: 'tx-c1',
            state: 'queued',
        });
        expect(sent).toHaveLength(1);
    });
});
