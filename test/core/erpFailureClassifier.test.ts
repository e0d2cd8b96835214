import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/configFile';
import { createErpFailureClassifier, erpFailureRulesSchema } from '../../src/core/erpFailureClassifier';

const rules = loadConfigFile('config/erp-failure-rules.v1.json', erpFailureRulesSchema);
const classify = createErpFailureClassifier(rules);

describe('ERP failure classification (config/erp-failure-rules.v1.json)', () => {
    it('retries 429 with the Retry-After it was given, and 5xx and 401', () => {
        expect(
            classify({ status: 429, body: { code: 'RATE_LIMITED', message: 'slow down' }, retryAfterMs: 2000 }),
        ).toEqual({
            class: 'transient',
            code: 'ERP_RATE_LIMITED',
            message: 'ERP answered 429 RATE_LIMITED: slow down',
            owner: 'integration',
            retryAfterMs: 2000,
        });
        expect([503, 500, 401].map((status) => classify({ status, body: undefined }).class)).toEqual([
            'transient',
            'transient',
            'transient',
        ]);
    });

    it('parks a frozen period for finance, naming the period', () => {
        expect(
            classify({
                status: 422,
                body: { code: 'PERIOD_FROZEN', message: 'frozen', details: { period: '2026-11' } },
            }),
        ).toMatchObject({
            class: 'blocked',
            owner: 'finance',
            condition: 'period 2026-11 frozen',
            details: { period: '2026-11' },
        });
    });

    it('parks an unreached milestone for the project team', () => {
        const f = classify({
            status: 422,
            body: {
                code: 'MILESTONE_NOT_REACHED',
                details: { buildingCode: 'MARINA-T1', requiredPercent: 70, currentPercent: 40 },
            },
        });
        expect([f.class, f.owner, f.condition]).toEqual(['blocked', 'project', 'MARINA-T1 below 70%']);
    });

    it('quarantines a duplicate reference for sales operations, with the existing record as evidence', () => {
        const f = classify({
            status: 409,
            body: {
                code: 'DUPLICATE_REFERENCE',
                details: { reference: 'RSV-1', existingPostingId: 'ERP-9', existingSourceRecordId: 'abc' },
            },
        });
        expect([f.class, f.owner, f.details]).toEqual([
            'duplicate',
            'salesOperations',
            { reference: 'RSV-1', existingPostingId: 'ERP-9', existingSourceRecordId: 'abc' },
        ]);
    });

    it('sends a validation error to the integration team as a defect, and an unknown answer to the default', () => {
        expect(classify({ status: 400, body: { code: 'VALIDATION_FAILED' } })).toMatchObject({
            class: 'defect',
            owner: 'integration',
            code: 'ERP_VALIDATION_FAILED',
        });
        expect(classify({ status: 418, body: 'teapot' })).toMatchObject({
            class: 'defect',
            owner: 'integration',
            code: 'HTTP_418',
        });
    });

    it('fills a missing detail in a condition with ?', () => {
        expect(classify({ status: 422, body: { code: 'PERIOD_CLOSED', details: {} } }).condition).toBe(
            'period ? closed',
        );
    });

    it('rejects a rule with neither status nor code, naming where', () => {
        const bad = erpFailureRulesSchema.safeParse({
            ...rules,
            rules: [{ when: {}, class: 'defect', owner: 'integration' }],
        });
        expect(bad.success).toBe(false);
        expect(bad.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
            ['rules.0.when', 'a rule needs a status or a code'],
        ]);
    });
});
