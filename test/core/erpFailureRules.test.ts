import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createErpFailureClassifier } from '../../src/core/erpFailureClassifier';
import { type ErpFailureRules, loadErpFailureRules } from '../../src/core/erpFailureRules';

const shipped = JSON.parse(readFileSync('config/erp-failure-rules.v1.json', 'utf8')) as ErpFailureRules;

describe('loadErpFailureRules', () => {
    it('takes the shipped rules file as it is', () => {
        expect(loadErpFailureRules(shipped)).toEqual(shipped);
    });

    it('refuses a bad file with a ConfigError naming the source and the bad path', () => {
        const cases: Array<[unknown, string]> = [
            [
                { ...shipped, rules: [{ when: { status: 422 }, class: 'parked', owner: 'finance' }] },
                'ERP failure rules: ✖ Invalid option: expected one of "transient"|"defect"|"blocked"|"duplicate"\n  → at rules[0].class',
            ],
            [
                { ...shipped, default: undefined },
                'ERP failure rules: ✖ Invalid input: expected object, received undefined\n  → at default',
            ],
            [
                { ...shipped, rules: [{ when: { code: 'X' }, class: 'defect', owner: 'integration', colour: 'red' }] },
                'ERP failure rules: ✖ Unrecognized key: "colour"\n  → at rules[0]',
            ],
        ];
        for (const [json, message] of cases) {
            expect(() => loadErpFailureRules(json)).toThrow(message);
        }
        expect(() => loadErpFailureRules({}, 'config/x.json')).toThrow(/^config\/x\.json: /);
    });
});

describe('a rule message', () => {
    const classify = createErpFailureClassifier(
        loadErpFailureRules({
            version: 't',
            rules: [
                {
                    when: { code: 'PERIOD_FROZEN' },
                    class: 'blocked',
                    owner: 'finance',
                    condition: 'period {details.period} frozen',
                    message: 'finance froze {details.period}',
                },
            ],
            default: { class: 'defect', owner: 'integration' },
        }),
    );

    it("replaces the ERP's own message, filled from the details", () => {
        expect(
            classify({
                status: 422,
                body: { code: 'PERIOD_FROZEN', message: 'noise', details: { period: '2026-11' } },
            }),
        ).toEqual({
            class: 'blocked',
            code: 'ERP_PERIOD_FROZEN',
            message: 'ERP answered 422 PERIOD_FROZEN: finance froze 2026-11',
            owner: 'finance',
            condition: 'period 2026-11 frozen',
            details: { period: '2026-11' },
        });
    });

    it("otherwise keeps the ERP's message, with any e-mail address or international phone number taken out", () => {
        const failure = classify({
            status: 400,
            body: { code: 'VALIDATION_FAILED', message: 'amira.haddad@example.com or +971 50 123 4567 is taken' },
        });
        expect(failure.message).toBe('ERP answered 400 VALIDATION_FAILED: [email] or [phone] is taken');
    });
});
