import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/configFile';
import { inspectDataverseEvent } from '../../src/core/inspectEvent';
import { entityMapSchema } from '../../src/mapping/entityMapSchema';

const map = loadConfigFile('config/entity-map.v1.json', entityMapSchema);
const headers = JSON.parse(readFileSync('test/fixtures/dataverse/headers.json', 'utf8')) as Record<
    string,
    Record<string, string>
>;
const fixture = (name: string) =>
    inspectDataverseEvent(readFileSync(`test/fixtures/dataverse/${name}`, 'utf8'), headers[name] ?? {}, map);

describe('inspectDataverseEvent', () => {
    it('maps a reservation Create to a reservation in its unit session', () => {
        const result = fixture('reservation-create.json');
        if (!result.ok || result.map.outcome !== 'mapped') throw new Error(`unexpected ${JSON.stringify(result)}`);
        expect(result.map.transactionType).toBe('reservation');
        expect(result.map.sessionId).toBe(`unit-${result.map.data.unitId}`);
        expect(result.map.data.status).toBe('active');
        expect(result.map.relatedLookups.map((l) => l.entity)).toEqual(['re_unit', 're_building', 're_project']);
    });

    it('maps every transaction fixture and ignores the table the map does not cover', () => {
        const outcomes = Object.fromEntries(
            Object.keys(headers).map((name) => {
                const r = fixture(name);
                return [
                    name,
                    r.ok ? (r.map.outcome === 'mapped' ? r.map.transactionType : r.map.outcome) : r.error.code,
                ];
            }),
        );
        expect(outcomes).toEqual({
            'appointment-create-multiselect.json': 'ignored',
            'commission-create.json': 'commission',
            'constructionprogress-create.json': 'constructionProgress',
            'contact-create.json': 'customer',
            'contact-update.json': 'customer',
            'installment-create.json': 'instalment',
            'receipt-create.json': 'receipt',
            'reservation-create.json': 'reservation',
            'reservation-delete.json': 'reservation',
            'reservation-update-cancelled.json': 'reservation',
            'reservation-update-size-exceeded.json': 'reservation',
            'unit-update-ready-for-handover.json': 'unitStatus',
        });
    });

    it('says an oversized event will be completed from the Web API', () => {
        const result = fixture('reservation-update-size-exceeded.json');
        expect(result.ok && result.map.outcome === 'mapped' && result.map.crmReadNeeded).toEqual([
            '(whole row: the event was over 256 KB)',
        ]);
    });

    it('marks a cancelled reservation by its status', () => {
        const result = fixture('reservation-update-cancelled.json');
        expect(result.ok && result.map.outcome === 'mapped' && result.map.data.status).toBe('cancelled');
    });

    it('reports a malformed payload with the code and path', () => {
        expect(inspectDataverseEvent('{"MessageName":', {}, map)).toEqual({
            ok: false,
            error: { code: 'INVALID_JSON', path: '', message: 'body is not valid JSON' },
        });
    });
});
