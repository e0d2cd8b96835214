import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/configFile';
import { entityMapSchema } from '../../src/mapping/entityMapSchema';
import { eventRelevance } from '../../src/mapping/eventRelevance';
import { normalizedEvent } from '../support/events';

const map = loadConfigFile('config/entity-map.v1.json', entityMapSchema);
const id = 'c0ffee00-0000-4000-8000-000000000001';

describe('eventRelevance', () => {
    it('ignores a table the map does not cover, saying so', () => {
        expect(eventRelevance(normalizedEvent({ entity: 'account', recordId: id }), map)).toEqual({
            kind: 'ignored',
            reason: 'table account is not in entity map 1.0.0',
        });
    });

    it('ignores a message the map does not cover', () => {
        const e = normalizedEvent({ entity: 'contact', recordId: id, messageName: 'Assign' });
        expect(eventRelevance(e, map)).toEqual({ kind: 'ignored', reason: 'message Assign on contact is not mapped' });
    });

    it('ignores our own write-back so there is no feedback loop', () => {
        const e = normalizedEvent({
            entity: 're_reservation',
            recordId: id,
            messageName: 'Update',
            target: {
                re_reservationid: id,
                re_erppostingid: 'P-1',
                re_erpsyncstatus: 'posted',
                modifiedon: '2026-11-02T00:00:00.000Z',
            },
        });
        expect(eventRelevance(e, map)).toEqual({
            kind: 'ignored',
            reason: 'update touches only integration-owned columns (our own confirmation)',
        });
    });

    it('ignores an update that changes no mapped column', () => {
        const e = normalizedEvent({
            entity: 'contact',
            recordId: id,
            messageName: 'Update',
            target: { description: 'vip', modifiedon: 'x' },
        });
        expect(eventRelevance(e, map)).toEqual({
            kind: 'ignored',
            reason: 'update of contact changes no mapped column',
        });
    });

    it('takes a unit update only when a trigger column changed', () => {
        const floor = normalizedEvent({
            entity: 're_unit',
            recordId: id,
            messageName: 'Update',
            target: { re_floor: 12 },
        });
        expect(eventRelevance(floor, map).kind).toBe('ignored');
        const status = normalizedEvent({
            entity: 're_unit',
            recordId: id,
            messageName: 'Update',
            target: { re_status: 100000003 },
        });
        expect(eventRelevance(status, map).kind).toBe('relevant');
    });

    it('takes an update that changes a mapped column together with integration columns', () => {
        const e = normalizedEvent({
            entity: 're_reservation',
            recordId: id,
            messageName: 'Update',
            target: { re_status: 100000001, re_erpsyncstatus: 'posted' },
        });
        expect(eventRelevance(e, map).kind).toBe('relevant');
    });

    it('ignores deletes of tables whose deletes are not propagated', () => {
        const e = normalizedEvent({ entity: 'contact', recordId: id, messageName: 'Delete', target: null });
        expect(eventRelevance(e, map)).toEqual({ kind: 'ignored', reason: 'message Delete on contact is not mapped' });
    });
});
