import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { languageOf, noticeTemplatesSchema, renderNotice } from '../../src/notifications/noticeTemplates';

// biome-ignore lint/suspicious/noExplicitAny: the test edits the raw JSON document to break it on purpose.
const shipped = JSON.parse(readFileSync('config/notice-templates.v1.json', 'utf8')) as Record<string, any>;
const templates = noticeTemplatesSchema.parse(shipped);

describe('notice templates', () => {
    it('fills unit, date and name, escaping values for HTML but not in the subject', () => {
        const n = renderNotice(templates, 'en', { ownerName: 'A & B <C>', unitCode: 'T1-<1>', readyOn: '2026-12-01' });
        expect(n.language).toBe('en');
        expect(n.subject).toBe('Your home T1-<1> is ready for handover');
        expect(n.html).toContain('Dear A &#38; B &#60;C&#62;,');
        expect(n.html).toContain('<strong>T1-&#60;1&#62;</strong>');
        expect(n.html).toContain('<strong>1 December 2026</strong>');
    });

    it('falls back to the default language when the owner has none or one without a template', () => {
        expect(
            renderNotice(templates, undefined, { ownerName: '', unitCode: 'U', readyOn: '2026-12-01' }).language,
        ).toBe('en');
        expect(renderNotice(templates, 'fr', { ownerName: '', unitCode: 'U', readyOn: '2026-12-01' }).language).toBe(
            'en',
        );
        expect(languageOf(templates, 100000001)).toBe('ar');
        expect(languageOf(templates, 'ar')).toBe('ar');
        expect(languageOf(templates, 42)).toBeUndefined();
        expect(languageOf(templates, null)).toBeUndefined();
    });

    it('refuses an unknown placeholder, a language map to a missing template and no default template', () => {
        const bad = structuredClone(shipped);
        bad.templates.en.subject = 'Hello {{ownerEmail}}';
        bad.language.values['3'] = 'fr';
        bad.defaultLanguage = 'de';
        const parsed = noticeTemplatesSchema.safeParse(bad);
        expect(parsed.success).toBe(false);
        const issues = parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
        expect(issues).toEqual(
            expect.arrayContaining([
                'templates.en.subject: unknown placeholder {{ownerEmail}}; use ownerName, unitCode, readyOn',
                'language.values.3: maps to "fr", which has no template',
                'templates: no template for the default language "de"',
            ]),
        );
    });
});
