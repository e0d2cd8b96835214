import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfigFiles } from '../../functions/configFiles';
import { renderFieldMapDocument } from '../../src/mapping/fieldMapDocument';

const config = loadConfigFiles({
    ENTITY_MAP_PATH: 'config/entity-map.v1.json',
    ERP_MAP_PATH: 'config/erp-map.v1.json',
    ERP_FAILURE_RULES_PATH: 'config/erp-failure-rules.v1.json',
    RETRY_POLICY_PATH: 'config/retry-policy.v1.json',
});

describe('field map document', () => {
    it('is current: docs/field-map.md equals what map:doc renders from config/', () => {
        expect(readFileSync('docs/field-map.md', 'utf8')).toBe(renderFieldMapDocument(config.entityMap, config.erpMap));
    });

    it('has the columns a business reviewer signs off', () => {
        expect(renderFieldMapDocument(config.entityMap, config.erpMap)).toContain(
            '| Source table | Source field | Target field | Transformation | Required | Conflict rule | Sync direction |',
        );
    });

    it('renders a choice field with its option values', () => {
        expect(renderFieldMapDocument(config.entityMap, config.erpMap)).toContain(
            '| re_reservation | re_status | reservation.status | choice: 100000000→active, 100000001→cancelled, 100000002→contracted | required | CRM wins | CRM → ERP |',
        );
    });
});
