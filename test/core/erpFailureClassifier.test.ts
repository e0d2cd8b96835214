import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/configFile';
import {
    createErpFailureClassifier,
    type ErpFailureRules,
    erpFailureRulesSchema,
} from '../../src/core/erpFailureClassifier';

const rules = loadConfigFile('config/erp-failure-rules.v1.json', erpFailureRulesSchema);
const classify = createErpFailureClassifier(rules);

function rulesFile(content: unknown): string {
    const file = join(mkdtempSync(join(tmpdir(), 'erp-rules-')), 'erp-failure-rules.json');
    writeFileSync(file, JSON.stringify(content));
    return file;
}

describe('config/erp-failure-rules.v1.json', () => {
    it('loads through loadConfigFile with its eleven rules and the default', () => {
        expect(rules.version).toBe('1.0.0');
        expect(rules.rules.map((r) => r.when)).toEqual([
            { status: 429 },
            { status: 401 },
            { status: [500, 502, 503, 504] },
            { code: 'PERIOD_FROZEN' },
            { code: 'PERIOD_CLOSED' },
            { code: 'MILESTONE_NOT_REACHED' },
            { code: 'UNIT_HAS_ACTIVE_RESERVATION' },
            { code: 'DEPENDENCY_MISSING' },
            { code: 'DUPLICATE_REFERENCE' },
            { code: 'COMMISSION_OVERCLAIMED' },
            { status: [400, 404, 409, 422] },
        ]);
        expect(rules.default).toEqual({ class: 'defect', owner: 'integration' });
    });
});

describe('createErpFailureClassifier with the default rules', () => {
    it('429: transient, keeping the Retry-After it was given', () => {
        expect(
            classify({ status: 429, body: { code: 'RATE_LIMITED', message: 'slow down' }, retryAfterMs: 2000 }),
        ).toEqual({
            class: 'transient',
            code: 'ERP_RATE_LIMITED',
            message: 'ERP answered 429 RATE_LIMITED: slow down',
            owner: 'integration',
            retryAfterMs: 2000,
        });
    });

    it('401 (expired token) and each 5xx: transient for the integration team, coded by status without a body', () => {
        expect(classify({ status: 401, body: undefined })).toEqual({
            class: 'transient',
            code: 'HTTP_401',
            message: 'ERP answered 401',
            owner: 'integration',
        });
        expect([500, 502, 503, 504].map((status) => [classify({ status, body: 'x' }).class, status])).toEqual([
            ['transient', 500],
            ['transient', 502],
            ['transient', 503],
            ['transient', 504],
        ]);
    });

    it('PERIOD_FROZEN and PERIOD_CLOSED: blocked for finance, naming the period', () => {
        expect(
            classify({
                status: 422,
                body: {
                    code: 'PERIOD_FROZEN',
                    message: 'accounting period 2026-11 is frozen',
                    details: { period: '2026-11' },
                },
            }),
        ).toEqual({
            class: 'blocked',
            code: 'ERP_PERIOD_FROZEN',
            message: 'ERP answered 422 PERIOD_FROZEN: accounting period 2026-11 is frozen',
            owner: 'finance',
            condition: 'period 2026-11 frozen',
            details: { period: '2026-11' },
        });
        expect(
            classify({ status: 422, body: { code: 'PERIOD_CLOSED', details: { period: '2026-10' } } }),
        ).toMatchObject({
            class: 'blocked',
            owner: 'finance',
            code: 'ERP_PERIOD_CLOSED',
            condition: 'period 2026-10 closed',
        });
    });

    it('MILESTONE_NOT_REACHED: blocked for the project team, naming building and percentage', () => {
        const f = classify({
            status: 422,
            body: {
                code: 'MILESTONE_NOT_REACHED',
                details: { buildingCode: 'MARINA-T1', requiredPercent: 70, currentPercent: 40 },
            },
        });
        expect([f.class, f.owner, f.condition, f.details]).toEqual([
            'blocked',
            'project',
            'MARINA-T1 below 70%',
            { buildingCode: 'MARINA-T1', requiredPercent: 70, currentPercent: 40 },
        ]);
    });

    it('UNIT_HAS_ACTIVE_RESERVATION: blocked for sales operations, naming the active reservation', () => {
        const f = classify({
            status: 409,
            body: { code: 'UNIT_HAS_ACTIVE_RESERVATION', details: { unitCode: 'T1-0904', activeReservation: 'RSV-1' } },
        });
        expect([f.class, f.owner, f.condition]).toEqual([
            'blocked',
            'salesOperations',
            'unit T1-0904 has active reservation RSV-1',
        ]);
    });

    it('DEPENDENCY_MISSING: blocked for the integration team, waiting for the named record', () => {
        const f = classify({
            status: 422,
            body: { code: 'DEPENDENCY_MISSING', details: { dependsOn: 'reservation', reference: 'RSV-9' } },
        });
        expect([f.class, f.owner, f.condition, f.code]).toEqual([
            'blocked',
            'integration',
            'waiting for reservation RSV-9',
            'ERP_DEPENDENCY_MISSING',
        ]);
    });

    it('DUPLICATE_REFERENCE and COMMISSION_OVERCLAIMED: duplicates for sales operations, the ERP facts as evidence', () => {
        const f = classify({
            status: 409,
            body: {
                code: 'DUPLICATE_REFERENCE',
                details: { reference: 'RSV-1', existingPostingId: 'ERP-9', existingSourceRecordId: 'abc' },
            },
        });
        expect([f.class, f.owner, f.condition, f.details]).toEqual([
            'duplicate',
            'salesOperations',
            undefined,
            { reference: 'RSV-1', existingPostingId: 'ERP-9', existingSourceRecordId: 'abc' },
        ]);
        const over = classify({
            status: 409,
            body: { code: 'COMMISSION_OVERCLAIMED', details: { reservationNumber: 'RSV-1', claimedPercent: 120 } },
        });
        expect([over.class, over.owner, over.code]).toEqual([
            'duplicate',
            'salesOperations',
            'ERP_COMMISSION_OVERCLAIMED',
        ]);
    });

    it('other 400/404/409/422: defects for the integration team; only plain details are kept as evidence', () => {
        expect(
            classify({
                status: 400,
                body: {
                    code: 'VALIDATION_FAILED',
                    message: 'the request body is invalid',
                    details: { errors: [{ field: 'postingDate', reason: 'required, YYYY-MM-DD' }] },
                },
            }),
        ).toEqual({
            class: 'defect',
            code: 'ERP_VALIDATION_FAILED',
            message: 'ERP answered 400 VALIDATION_FAILED: the request body is invalid',
            owner: 'integration',
        });
        expect([404, 409, 422].map((status) => classify({ status, body: { code: 'SOMETHING_NEW' } }).class)).toEqual([
            'defect',
            'defect',
            'defect',
        ]);
    });

    it('an unmatched answer falls to the default, coded by its status', () => {
        expect(classify({ status: 418, body: 'teapot' })).toEqual({
            class: 'defect',
            code: 'HTTP_418',
            message: 'ERP answered 418',
            owner: 'integration',
        });
    });

    it('the first matching rule wins: a 503 stays transient whatever its code, a 409 duplicate is not a defect', () => {
        expect(classify({ status: 503, body: { code: 'PERIOD_FROZEN', details: { period: '2026-11' } } })).toEqual({
            class: 'transient',
            code: 'ERP_PERIOD_FROZEN',
            message: 'ERP answered 503 PERIOD_FROZEN',
            owner: 'integration',
            details: { period: '2026-11' },
        });
        const custom = createErpFailureClassifier({
            version: 't',
            rules: [
                { when: { status: 422 }, class: 'defect', owner: 'integration' },
                { when: { code: 'PERIOD_FROZEN' }, class: 'blocked', owner: 'finance', condition: 'frozen' },
            ],
            default: { class: 'transient', owner: 'integration' },
        } satisfies ErpFailureRules);
        expect(custom({ status: 422, body: { code: 'PERIOD_FROZEN' } })).toMatchObject({ class: 'defect' });
        expect(custom({ status: 400, body: { code: 'PERIOD_FROZEN' } })).toMatchObject({
            class: 'blocked',
            condition: 'frozen',
        });
        expect(custom({ status: 400, body: { code: 'OTHER' } })).toMatchObject({ class: 'transient' });
    });

    it('fills a missing or null detail in a condition with ?', () => {
        expect(classify({ status: 422, body: { code: 'PERIOD_CLOSED', details: {} } }).condition).toBe(
            'period ? closed',
        );
        expect(
            classify({ status: 422, body: { code: 'MILESTONE_NOT_REACHED', details: { buildingCode: null } } })
                .condition,
        ).toBe('? below ?%');
    });

    it('keeps e-mail addresses and phone numbers an ERP puts in its message out of the failure', () => {
        const f = classify({
            status: 400,
            body: { code: 'VALIDATION_FAILED', message: 'amira.haddad@example.com or +971 50 123 4567 is taken' },
        });
        expect(f.message).toBe('ERP answered 400 VALIDATION_FAILED: [email] or [phone] is taken');
    });

    it('keeps personal data an ERP puts in details out of the failure too', () => {
        const f = classify({
            status: 409,
            body: { code: 'DUPLICATE_REFERENCE', details: { reference: 'c-1', holder: 'amira.haddad@example.com' } },
        });
        expect(JSON.stringify(f)).not.toContain('@');
    });

    it("uses a rule's message template instead of the ERP's text", () => {
        const custom = createErpFailureClassifier({
            version: 't',
            rules: [
                {
                    when: { code: 'PERIOD_FROZEN' },
                    class: 'blocked',
                    owner: 'finance',
                    message: 'books for {details.period} are being closed',
                },
            ],
            default: { class: 'defect', owner: 'integration' },
        });
        expect(
            custom({ status: 422, body: { code: 'PERIOD_FROZEN', message: 'noise', details: { period: '2026-11' } } })
                .message,
        ).toBe('ERP answered 422 PERIOD_FROZEN: books for 2026-11 are being closed');
    });

    it('cuts a long ERP message to 200 characters', () => {
        const f = classify({ status: 400, body: { code: 'VALIDATION_FAILED', message: 'x'.repeat(500) } });
        expect(f.message).toBe(`ERP answered 400 VALIDATION_FAILED: ${'x'.repeat(200)}`);
    });
});

describe('a bad rules file', () => {
    it('rejects a rule with neither status nor code, naming the file and the rule', () => {
        const file = rulesFile({ ...rules, rules: [{ when: {}, class: 'defect', owner: 'integration' }] });
        expect(() => loadConfigFile(file, erpFailureRulesSchema)).toThrow(
            `${file}: ✖ a rule needs a status or a code\n  → at rules[0].when`,
        );
    });

    it('rejects an unknown owner, naming where', () => {
        const file = rulesFile({
            ...rules,
            rules: [...rules.rules, { when: { status: 402 }, class: 'defect', owner: 'legal' }],
        });
        expect(() => loadConfigFile(file, erpFailureRulesSchema)).toThrow(/→ at rules\[11\]\.owner$/);
    });
});
