import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { answerErpCall } from '../../sandbox/erp/erpApi';
import { ErpBooks } from '../../sandbox/erp/erpBooks';
import { ErpJournal } from '../../sandbox/erp/erpJournal';
import { MemoryMappingLookup } from '../../src/adapters/memory/memoryMappingLookup';
import { loadConfigFile } from '../../src/config/configFile';
import type { FieldValue, TransactionEnvelope, TransactionType } from '../../src/domain/transaction';
import { buildErpRequest, describeErpMap } from '../../src/mapping/erpMap';
import { erpMapSchema } from '../../src/mapping/erpMapSchema';

const map = loadConfigFile('config/erp-map.v1.json', erpMapSchema);
const lookup = new MemoryMappingLookup();
const recordId = '0b5e1a7c-0000-4000-8000-000000000001';
const changedAt = '2026-11-30T21:15:00Z';

function envelope(type: TransactionType, data: Record<string, FieldValue>, at = changedAt): TransactionEnvelope {
    return {
        transactionId: `tx-${type}`,
        type,
        action: 'upsert',
        sessionId: 'unit:u-1',
        source: { entity: 're_x', recordId, message: 'Update', changedAt: at },
        correlationId: 'corr-1',
        entityMapVersion: '1.0.0',
        acceptedAt: '2026-11-30T21:15:01Z',
        data,
    };
}

async function built(type: TransactionType, data: Record<string, FieldValue>) {
    const result = await buildErpRequest(envelope(type, data), map, lookup);
    if (!result.ok) throw new Error(`expected a request, got ${result.error.code}: ${result.error.message}`);
    return result.value;
}

async function failure(type: TransactionType, data: Record<string, FieldValue>) {
    const result = await buildErpRequest(envelope(type, data), map, lookup);
    if (result.ok) throw new Error(`expected a failure, got ${result.value.path}`);
    return result.error;
}

const reservation = {
    reservationNumber: 'RSV-1001',
    buyerId: 'c-1',
    unitCode: 'MARINA-T1-0904',
    buildingId: 'b-1',
    brokerFirmId: 'f-1',
    value: 1_250_000,
    bookingAmount: 125_000,
    currency: 'AED',
    reservedOn: '2026-11-29',
    status: 'active',
};

beforeAll(async () => {
    await lookup.put('buildingCode', 'b-1', 'MARINA-T1');
    await lookup.put('buildingCostCentre', 'b-1', 'CC-410');
    await lookup.put('brokerVendor', 'f-1', 'V-7001');
    await lookup.put('agentVendor', 'AG-9', 'V-8009');
});

describe('config/erp-map.v1.json', () => {
    it('loads, with a request for every transaction type', () => {
        expect(map.version).toBe('1.0.0');
        expect(Object.keys(map.transactions).sort()).toEqual(
            [
                'commission',
                'constructionProgress',
                'customer',
                'instalment',
                'receipt',
                'reservation',
                'unitStatus',
            ].sort(),
        );
    });

    it('rejects a map missing a transaction type, naming it', () => {
        const raw = JSON.parse(readFileSync('config/erp-map.v1.json', 'utf8')) as {
            transactions: Record<string, unknown>;
        };
        delete raw.transactions.unitStatus;
        const file = join(mkdtempSync(join(tmpdir(), 'erp-map-')), 'erp-map.json');
        writeFileSync(file, JSON.stringify(raw));
        // zod 4 records keyed by an enum are exhaustive, so the record itself names the missing type.
        expect(() => loadConfigFile(file, erpMapSchema)).toThrow(
            `${file}: ✖ Invalid input: expected object, received undefined\n  → at transactions.unitStatus`,
        );
    });
});

describe('buildErpRequest', () => {
    it('customer: PUT by contact id, personal fields passed through, posting date from the change time', async () => {
        expect(
            await built('customer', {
                contactId: 'c-1',
                firstName: 'Amira',
                lastName: 'Haddad',
                email: 'amira@example.com',
                phone: '+971500000000',
            }),
        ).toEqual({
            method: 'PUT',
            path: '/erp/v1/customers/c-1',
            target: { resource: 'customers', reference: 'c-1' },
            idempotencyKey: 'tx-customer',
            correlationId: 'corr-1',
            erpMapVersion: '1.0.0',
            body: {
                sourceRecordId: recordId,
                integrationReference: 'tx-customer',
                postingDate: '2026-11-30',
                customerRef: 'c-1',
                firstName: 'Amira',
                lastName: 'Haddad',
                email: 'amira@example.com',
                phone: '+971500000000',
            },
        });
    });

    it('reservation: look-ups resolved, posting date from reservedOn', async () => {
        const request = await built('reservation', reservation);
        expect([request.method, request.path, request.target]).toEqual([
            'PUT',
            '/erp/v1/reservations/RSV-1001',
            { resource: 'reservations', reference: 'RSV-1001' },
        ]);
        expect(request.body).toEqual({
            sourceRecordId: recordId,
            integrationReference: 'tx-reservation',
            postingDate: '2026-11-29',
            reservationNumber: 'RSV-1001',
            customerRef: 'c-1',
            unitCode: 'MARINA-T1-0904',
            buildingCode: 'MARINA-T1',
            costCentre: 'CC-410',
            brokerVendorId: 'V-7001',
            value: 1_250_000,
            bookingAmount: 125_000,
            currency: 'AED',
            reservedOn: '2026-11-29',
            status: 'active',
        });
    });

    it('instalment: due date cut to a date, milestone passed through', async () => {
        const request = await built('instalment', {
            instalmentNumber: 'INS-1001-02',
            reservationNumber: 'RSV-1001',
            sequence: 2,
            dueDate: '2027-01-15T00:00:00Z',
            amount: 250_000,
            milestonePercent: 70,
        });
        expect([request.method, request.path, request.target]).toEqual([
            'PUT',
            '/erp/v1/instalments/INS-1001-02',
            { resource: 'instalments', reference: 'INS-1001-02' },
        ]);
        expect(request.body).toEqual({
            sourceRecordId: recordId,
            integrationReference: 'tx-instalment',
            postingDate: '2026-11-30',
            instalmentId: 'INS-1001-02',
            reservationNumber: 'RSV-1001',
            sequence: 2,
            dueDate: '2027-01-15',
            amount: 250_000,
            milestonePercent: 70,
        });
    });

    it('receipt: posting date from receivedOn', async () => {
        const request = await built('receipt', {
            receiptNumber: 'RCT-77',
            reservationNumber: 'RSV-1001',
            amount: 125_000,
            receivedOn: '2026-12-01',
            method: 'transfer',
        });
        expect([request.method, request.path, request.target]).toEqual([
            'PUT',
            '/erp/v1/receipts/RCT-77',
            { resource: 'receipts', reference: 'RCT-77' },
        ]);
        expect(request.body).toEqual({
            sourceRecordId: recordId,
            integrationReference: 'tx-receipt',
            postingDate: '2026-12-01',
            receiptNumber: 'RCT-77',
            reservationNumber: 'RSV-1001',
            amount: 125_000,
            receivedOn: '2026-12-01',
            method: 'transfer',
        });
    });

    it('commission: broker and agent vendors looked up', async () => {
        const request = await built('commission', {
            claimNumber: 'CLM-5',
            reservationNumber: 'RSV-1001',
            brokerFirmId: 'f-1',
            agentCode: 'AG-9',
            sharePercent: 60,
            amount: 15_000,
        });
        expect([request.method, request.path, request.target]).toEqual([
            'PUT',
            '/erp/v1/commissions/CLM-5',
            { resource: 'commissions', reference: 'CLM-5' },
        ]);
        expect(request.body).toEqual({
            sourceRecordId: recordId,
            integrationReference: 'tx-commission',
            postingDate: '2026-11-30',
            claimNumber: 'CLM-5',
            reservationNumber: 'RSV-1001',
            vendorId: 'V-7001',
            agentVendorId: 'V-8009',
            sharePercent: 60,
            amount: 15_000,
        });
    });

    it('construction progress: building and period in the path', async () => {
        const request = await built('constructionProgress', {
            buildingCode: 'MARINA-T1',
            period: '2026-11',
            percentComplete: 72.5,
            reportedOn: '2026-11-28',
        });
        expect([request.method, request.path, request.target]).toEqual([
            'PUT',
            '/erp/v1/construction-progress/MARINA-T1/2026-11',
            { resource: 'construction-progress', reference: 'MARINA-T1/2026-11' },
        ]);
        expect(request.body).toEqual({
            sourceRecordId: recordId,
            integrationReference: 'tx-constructionProgress',
            postingDate: '2026-11-28',
            buildingCode: 'MARINA-T1',
            period: '2026-11',
            percentComplete: 72.5,
            reportedOn: '2026-11-28',
        });
    });

    it('unit status: cost centre looked up, owner renamed', async () => {
        const request = await built('unitStatus', {
            unitCode: 'MARINA-T1-0904',
            buildingId: 'b-1',
            status: 'readyForHandover',
            readyForHandoverOn: '2027-03-01',
            ownerId: 'c-1',
        });
        expect([request.method, request.path, request.target]).toEqual([
            'PUT',
            '/erp/v1/units/MARINA-T1-0904/status',
            { resource: 'units', reference: 'MARINA-T1-0904' },
        ]);
        expect(request.body).toEqual({
            sourceRecordId: recordId,
            integrationReference: 'tx-unitStatus',
            postingDate: '2026-11-30',
            unitCode: 'MARINA-T1-0904',
            costCentre: 'CC-410',
            status: 'readyForHandover',
            readyForHandoverOn: '2027-03-01',
            ownerRef: 'c-1',
        });
    });

    it('names as target the record the sandbox ERP posts the request under, for every shape of path', async () => {
        const requests = [
            await built('customer', { contactId: 'c/1', firstName: 'Amira', lastName: 'Haddad' }),
            await built('constructionProgress', {
                buildingCode: 'MARINA T1',
                period: '2026-11',
                percentComplete: 72.5,
                reportedOn: '2026-11-28',
            }),
            await built('unitStatus', { unitCode: 'MARINA-T1-0904', buildingId: 'b-1', status: 'available' }),
        ];
        const books = new ErpBooks();
        for (const request of requests) {
            const answer = answerErpCall(
                {
                    method: request.method,
                    path: request.path,
                    query: new URLSearchParams(),
                    idempotencyKey: request.idempotencyKey,
                    body: request.body,
                    idempotencyKeys: true,
                },
                books,
                new ErpJournal(undefined),
            );
            expect(answer.status).toBe(201);
        }
        expect(books.postings.map((p) => ({ resource: p.type, reference: p.reference }))).toEqual(
            requests.map((r) => r.target),
        );
        expect(requests.map((r) => r.target.reference)).toEqual(['c/1', 'MARINA T1/2026-11', 'MARINA-T1-0904']);
    });

    it('a required look-up without a row is a LOOKUP_MISSING defect telling what to add', async () => {
        expect(await failure('reservation', { ...reservation, buildingId: 'b-404' })).toEqual({
            class: 'defect',
            code: 'LOOKUP_MISSING',
            message:
                'No buildingCode mapping for b-404 (needed for buildingCode); add it to the mappings table and retry',
            owner: 'integration',
            details: { field: 'buildingCode' },
        });
    });

    it('a required look-up whose key is empty says which data field is empty', async () => {
        const { buildingId: _, ...withoutBuilding } = reservation;
        expect(await failure('reservation', withoutBuilding)).toEqual({
            class: 'defect',
            code: 'LOOKUP_MISSING',
            message: 'reservation.buildingId is empty, so buildingCode cannot be looked up in buildingCode',
            owner: 'integration',
            details: { field: 'buildingId' },
        });
    });

    it('an optional look-up whose key is empty leaves the field out', async () => {
        for (const brokerFirmId of [null, '']) {
            const request = await built('reservation', { ...reservation, brokerFirmId });
            expect(['brokerVendorId' in request.body, request.body.buildingCode]).toEqual([false, 'MARINA-T1']);
        }
        const { brokerFirmId: _, ...withoutBroker } = reservation;
        expect('brokerVendorId' in (await built('reservation', withoutBroker)).body).toBe(false);
    });

    it('an optional look-up whose key has no row is still a LOOKUP_MISSING defect, never a silent drop', async () => {
        expect(await failure('reservation', { ...reservation, brokerFirmId: 'f-unknown' })).toEqual({
            class: 'defect',
            code: 'LOOKUP_MISSING',
            message:
                'No brokerVendor mapping for f-unknown (needed for brokerVendorId); add it to the mappings table and retry',
            owner: 'integration',
            details: { field: 'brokerVendorId' },
        });
    });

    it('an optional data field that is missing or null is left out', async () => {
        const request = await built('customer', {
            contactId: 'c-2',
            firstName: 'Omar',
            lastName: 'Saleh',
            email: null,
        });
        expect(request.body).toEqual({
            sourceRecordId: recordId,
            integrationReference: 'tx-customer',
            postingDate: '2026-11-30',
            customerRef: 'c-2',
            firstName: 'Omar',
            lastName: 'Saleh',
        });
    });

    it('a required data field that is missing is a MAP_FIELD_MISSING defect', async () => {
        const { currency: _, ...withoutCurrency } = reservation;
        expect(await failure('reservation', withoutCurrency)).toEqual({
            class: 'defect',
            code: 'MAP_FIELD_MISSING',
            message: 'reservation.currency is required for ERP field currency but is missing',
            owner: 'integration',
            details: { field: 'currency' },
        });
        expect((await failure('customer', { contactId: 'c-3', firstName: 'Lina' })).message).toBe(
            'customer.lastName is required for ERP field lastName but is missing',
        );
    });

    it('a missing path field or posting date is a MAP_FIELD_MISSING defect', async () => {
        expect(
            await failure('receipt', { reservationNumber: 'RSV-1001', amount: 1, receivedOn: '2026-12-01' }),
        ).toEqual({
            class: 'defect',
            code: 'MAP_FIELD_MISSING',
            message: 'receipt.receiptNumber is needed for the ERP path but is missing',
            owner: 'integration',
            details: { field: 'receiptNumber' },
        });
        expect(
            (
                await failure('receipt', {
                    receiptNumber: '',
                    reservationNumber: 'RSV-1001',
                    amount: 1,
                    receivedOn: '2026-12-01',
                })
            ).message,
        ).toBe('receipt.receiptNumber is needed for the ERP path but is missing');
        expect(
            (
                await failure('receipt', {
                    receiptNumber: 'RCT-1',
                    reservationNumber: 'RSV-1001',
                    amount: 1,
                    receivedOn: 'not a date',
                })
            ).message,
        ).toBe('receipt.receivedOn (posting date) is missing or not a date');
    });

    it('a date field that is not a date is a MAP_FIELD_INVALID defect', async () => {
        expect(
            await failure('instalment', {
                instalmentNumber: 'INS-1',
                reservationNumber: 'RSV-1001',
                sequence: 1,
                dueDate: 'soon',
                amount: 10,
            }),
        ).toEqual({
            class: 'defect',
            code: 'MAP_FIELD_INVALID',
            message: 'instalment.dueDate is not a date',
            owner: 'integration',
        });
    });

    it('URL-encodes path placeholders', async () => {
        const request = await built('unitStatus', {
            unitCode: 'T1/09 04#B',
            buildingId: 'b-1',
            status: 'available',
        });
        expect(request.path).toBe('/erp/v1/units/T1%2F09%2004%23B/status');
        expect(request.body.unitCode).toBe('T1/09 04#B');
    });

    it('takes the posting date from $changedAt as a UTC date, or from the named data field', async () => {
        const late = await buildErpRequest(
            envelope('customer', { contactId: 'c-1', firstName: 'A', lastName: 'B' }, '2026-12-31T23:59:59.999Z'),
            map,
            lookup,
        );
        expect(late.ok && late.value.body.postingDate).toBe('2026-12-31');
        const receipt = await built('receipt', {
            receiptNumber: 'RCT-2',
            reservationNumber: 'RSV-1001',
            amount: 10,
            receivedOn: '2027-01-02T08:00:00Z',
            method: 'cash',
        });
        expect([receipt.body.postingDate, receipt.body.receivedOn]).toEqual(['2027-01-02', '2027-01-02']);
    });
});

describe('describeErpMap', () => {
    const rows = describeErpMap(map);

    it('lists the posting date first, then every body field with its source and whether it is required', () => {
        expect(rows.filter((r) => r.transactionType === 'commission')).toEqual([
            {
                transactionType: 'commission',
                request: 'PUT /erp/v1/commissions/{claimNumber}',
                erpField: 'postingDate',
                source: '$changedAt (date)',
                required: true,
            },
            ...[
                ['claimNumber', 'claimNumber', true],
                ['reservationNumber', 'reservationNumber', true],
                ['vendorId', 'mapping table brokerVendor[brokerFirmId]', true],
                ['agentVendorId', 'mapping table agentVendor[agentCode]', false],
                ['sharePercent', 'sharePercent', true],
                ['amount', 'amount', true],
            ].map(([erpField, source, required]) => ({
                transactionType: 'commission',
                request: 'PUT /erp/v1/commissions/{claimNumber}',
                erpField,
                source,
                required,
            })),
        ]);
    });

    it('names transforms and constants, and has one row per field over the whole map', () => {
        expect(rows.find((r) => r.transactionType === 'receipt' && r.erpField === 'receivedOn')?.source).toBe(
            'receivedOn (date)',
        );
        expect(rows.find((r) => r.transactionType === 'receipt' && r.erpField === 'postingDate')?.source).toBe(
            'receivedOn (date)',
        );
        const withConstant = describeErpMap({
            version: 't',
            transactions: {
                ...map.transactions,
                unitStatus: {
                    method: 'PUT',
                    path: '/erp/v1/units/{unitCode}/status',
                    postingDate: '$changedAt',
                    body: { channel: { const: 'crm' }, code: { from: 'unitCode', transform: 'upper', required: true } },
                },
            },
        }).filter((r) => r.transactionType === 'unitStatus');
        expect(withConstant.map((r) => [r.erpField, r.source, r.required])).toEqual([
            ['postingDate', '$changedAt (date)', true],
            ['channel', 'constant "crm"', false],
            ['code', 'unitCode (upper)', true],
        ]);
        const fieldCount = Object.values(map.transactions).reduce(
            (n, rule) => n + Object.keys(rule.body).length + 1,
            0,
        );
        expect(rows).toHaveLength(fieldCount);
    });
});
