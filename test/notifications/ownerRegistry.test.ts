import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contactOf, ownerRegistrySchema, routeFor } from '../../src/notifications/ownerRegistry';

// biome-ignore lint/suspicious/noExplicitAny: the test edits the raw JSON document to break it on purpose.
type Raw = Record<string, any>;
const shipped = JSON.parse(readFileSync('config/owners.v1.json', 'utf8')) as Raw;
const registry = ownerRegistrySchema.parse(shipped);

function problems(change: (r: Raw) => void): string {
    const copy = structuredClone(shipped);
    change(copy);
    const parsed = ownerRegistrySchema.safeParse(copy);
    if (parsed.success) throw new Error('expected the registry to be refused');
    return parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
}

describe('owner registry', () => {
    it('routes each point and class to its owner, and blocked failures to the owner their rule named', () => {
        expect(routeFor(registry, 'handoverNotice', 'transient', undefined).owner).toBe('salesOperations');
        expect(routeFor(registry, 'erpPosting', 'defect', 'integration').owner).toBe('integration');
        expect(routeFor(registry, 'erpPosting', 'duplicate', 'salesOperations').owner).toBe('salesOperations');
        expect(routeFor(registry, 'condition', 'blocked', 'finance').owner).toBe('finance');
        expect(routeFor(registry, 'condition', 'blocked', 'project').owner).toBe('project');
        expect(routeFor(registry, 'crmWriteBack', 'defect', 'integration').owner).toBe('integration');
        expect(routeFor(registry, 'erpPosting', 'deadLettered', undefined)).toEqual({
            owner: 'integration',
            action: 'Check the ERP and the queue, then retry from the review queue.',
        });
    });

    it('every owner has a channel, a mailbox and an escalation path that ends', () => {
        for (const owner of ['integration', 'finance', 'project', 'salesOperations']) {
            const path = [owner];
            for (let c = contactOf(registry, owner); c.escalateTo; c = contactOf(registry, c.escalateTo)) {
                path.push(c.escalateTo);
            }
            expect(path.at(-1)).toBe('operationsDirector');
        }
    });

    it('refuses a missing owner, an unknown or looping escalation, and no catch-all route, naming the path', () => {
        expect(problems((r) => delete r.contacts.finance)).toContain(
            'contacts.finance: the owner "finance" needs a contact',
        );
        expect(problems((r) => (r.contacts.project.escalateTo = 'nobody'))).toContain(
            'contacts.project.escalateTo: escalates to unknown contact "nobody"',
        );
        expect(problems((r) => (r.contacts.operationsDirector.escalateTo = 'integration'))).toMatch(
            /escalateAfterMinutes: required with escalateTo/,
        );
        expect(
            problems((r) => {
                r.contacts.operationsDirector.escalateTo = 'integration';
                r.contacts.operationsDirector.escalateAfterMinutes = 10;
            }),
        ).toContain('contacts.integration.escalateTo: escalation path loops back to "integration"');
        expect(problems((r) => r.routes.pop())).toContain('the last route must match everything');
        expect(problems((r) => (r.contacts.finance.email = 'finance'))).toContain('contacts.finance.email');
        expect(problems((r) => (r.summary.contacts = ['ghost']))).toContain(
            'summary.contacts.0: unknown contact "ghost"',
        );
    });
});
