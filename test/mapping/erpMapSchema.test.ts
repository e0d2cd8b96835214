import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemoryMappingLookup } from '../../src/adapters/memory/memoryMappingLookup';
import type { FieldValue, TransactionEnvelope } from '../../src/domain/transaction';
import { buildErpRequest } from '../../src/mapping/erpMap';
import { type ErpMap, loadErpMap } from '../../src/mapping/erpMapSchema';

const shipped = JSON.parse(readFileSync('config/erp-map.v1.json', 'utf8')) as ErpMap;
const edited = (edit: (map: ErpMap) => void): unknown => {
    const copy = structuredClone(shipped);
    edit(copy);
    return copy;
};

describe('loadErpMap', () => {
    it('takes the shipped map, with a request for every transaction type', () => {
        expect(Object.keys(loadErpMap(shipped).transactions)).toEqual([
            'customer',
            'reservation',
            'instalment',
            'receipt',
            'commission',
            'constructionProgress',
            'unitStatus',
        ]);
    });

    it('refuses a bad map with a ConfigError naming the source and the bad path', () => {
        const cases: Array<[unknown, string]> = [
            [
                edited((m) => {
                    m.transactions.customer.path = 'erp/v1/customers';
                }),
                'ERP map: ✖ an absolute path such as /erp/v1/reservations/{reservationNumber}\n  → at transactions.customer.path',
            ],
            [
                // No reference in the path: the look-up before a re-push would not know which record to ask for.
                edited((m) => {
                    m.transactions.customer.path = '/erp/v1/customers';
                }),
                'ERP map: ✖ an absolute path such as /erp/v1/reservations/{reservationNumber}\n  → at transactions.customer.path',
            ],
            [
                edited((m) => {
                    (m.transactions.receipt.body.receivedOn as { transform?: string }).transform = 'lower';
                }),
                'ERP map: ✖ a body field is {from, transform?: date|upper, required?}, {lookup, key, required} or {const}\n  → at transactions.receipt.body.receivedOn',
            ],
            [
                edited((m) => {
                    m.transactions.commission.method = 'DELETE' as 'PUT';
                }),
                'ERP map: ✖ Invalid option: expected one of "PUT"|"POST"|"PATCH"\n  → at transactions.commission.method',
            ],
        ];
        for (const [json, message] of cases) expect(() => loadErpMap(json)).toThrow(message);
        expect(() => loadErpMap({ version: '2' }, 'config/erp-map.v2.json')).toThrow(/^config\/erp-map\.v2\.json: /);
    });
});

describe('what the map says about look-ups', () => {
    const lookup = new MemoryMappingLookup();
    const commission = (data: Record<string, FieldValue>): TransactionEnvelope => ({
        transactionId: 'tx-1',
        type: 'commission',
        action: 'upsert',
        sessionId: 'unit:u-1',
        source: { entity: 're_commission', recordId: 'rec-1', message: 'Create', changedAt: '2026-11-20T08:00:00Z' },
        correlationId: 'corr-1',
        entityMapVersion: '1.0.0',
        acceptedAt: '2026-11-20T08:00:01Z',
        data: {
            claimNumber: 'CLM-1',
            reservationNumber: 'RSV-1',
            brokerFirmId: 'firm-1',
            sharePercent: 50,
            amount: 1000,
            ...data,
        },
    });

    it('an optional look-up is left out when its key is empty, but a key without a row is a defect', async () => {
        await lookup.put('brokerVendor', 'firm-1', 'V-1');
        const withoutAgent = await buildErpRequest(commission({ agentCode: null }), shipped, lookup);
        expect(withoutAgent.ok && 'agentVendorId' in withoutAgent.value.body).toBe(false);
        expect((await buildErpRequest(commission({ agentCode: 'AG-404' }), shipped, lookup)).error).toEqual({
            class: 'defect',
            code: 'LOOKUP_MISSING',
            message:
                'No agentVendor mapping for AG-404 (needed for agentVendorId); add it to the mappings table and retry',
            owner: 'integration',
            details: { field: 'agentVendorId' },
        });
    });

    it('an empty path placeholder is a missing field, not a request to the collection', async () => {
        expect((await buildErpRequest(commission({ claimNumber: '' }), shipped, lookup)).error).toEqual({
            class: 'defect',
            code: 'MAP_FIELD_MISSING',
            message: 'commission.claimNumber is needed for the ERP path but is missing',
            owner: 'integration',
            details: { field: 'claimNumber' },
        });
    });
});
