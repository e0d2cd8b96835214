import { z } from 'zod';

/** The placeholders a template may use; anything else in `{{…}}` is refused at start-up. */
const placeholders = ['ownerName', 'unitCode', 'readyOn'] as const;
type Placeholder = (typeof placeholders)[number];

const templateSchema = z
    .object({
        subject: z.string().min(1),
        /** HTML body: the unit, the date and the next steps. Values are HTML-escaped when filled in. */
        html: z.string().min(1),
        /** BCP 47 locale used to write the date, e.g. `en-GB`, `ar-AE`. */
        dateLocale: z.string().min(2),
    })
    .strict()
    .superRefine((t, ctx) => {
        for (const field of ['subject', 'html'] as const) {
            for (const m of t[field].matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
                if (!(placeholders as readonly string[]).includes(m[1] ?? '')) {
                    const message = `unknown placeholder {{${m[1]}}}; use ${placeholders.join(', ')}`;
                    ctx.addIssue({ code: 'custom', path: [field], message });
                }
            }
        }
        try {
            new Intl.DateTimeFormat(t.dateLocale);
        } catch {
            ctx.addIssue({ code: 'custom', path: ['dateLocale'], message: `not a locale: ${t.dateLocale}` });
        }
    });

export const noticeTemplatesSchema = z
    .object({
        version: z.string().min(1),
        /** The language used when the contact's is unknown or has no template. */
        defaultLanguage: z.string().min(2),
        /**
         * The contact column holding the owner's language, and how its values map to template languages
         * (a Choice value or a code). Unset: every notice uses the default language.
         */
        language: z
            .object({ column: z.string().min(1), values: z.record(z.string(), z.string().min(2)) })
            .strict()
            .optional(),
        templates: z.record(z.string().min(2), templateSchema),
        delivery: z
            .object({
                /** Sends tried before the notice fails and becomes an incident. */
                maxAttempts: z.number().int().min(1),
                /** Wait before retry n (the last value repeats); Graph's Retry-After is a floor. */
                backoffMinutes: z.array(z.number().int().positive()).min(1),
                /** A claim (`sending`) older than this was cut off mid-send: its outcome is unknown. */
                staleSendingMinutes: z.number().int().positive(),
            })
            .strict(),
    })
    .strict()
    .superRefine((c, ctx) => {
        if (!c.templates[c.defaultLanguage]) {
            const message = `no template for the default language "${c.defaultLanguage}"`;
            ctx.addIssue({ code: 'custom', path: ['templates'], message });
        }
        for (const [value, language] of Object.entries(c.language?.values ?? {})) {
            if (!c.templates[language]) {
                const message = `maps to "${language}", which has no template`;
                ctx.addIssue({ code: 'custom', path: ['language', 'values', value], message });
            }
        }
    });

export type NoticeTemplates = z.infer<typeof noticeTemplatesSchema>;

export interface RenderedNotice {
    language: string;
    subject: string;
    html: string;
}

/** The template for `language` (falling back to the default) filled in; values are escaped for HTML. */
export function renderNotice(
    config: NoticeTemplates,
    language: string | undefined,
    values: Record<Placeholder, string>,
): RenderedNotice {
    const chosen = language !== undefined && config.templates[language] ? language : config.defaultLanguage;
    const template = config.templates[chosen];
    if (!template) throw new Error(`no notice template for "${chosen}"`);
    const readyOn = formatDate(values.readyOn, template.dateLocale);
    const filled = { ...values, readyOn };
    const fill = (text: string, encode: (s: string) => string) =>
        text.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_, name: string) => encode(filled[name as Placeholder] ?? ''));
    return { language: chosen, subject: fill(template.subject, (s) => s), html: fill(template.html, escapeHtml) };
}

/** The template language for a contact's language value (a Choice value or a code), if one is configured. */
export function languageOf(config: NoticeTemplates, value: unknown): string | undefined {
    if (value === null || value === undefined || !config.language) return undefined;
    return config.language.values[String(value)];
}

function formatDate(isoDay: string, locale: string): string {
    const date = new Date(`${isoDay}T00:00:00Z`);
    if (Number.isNaN(date.getTime())) return isoDay;
    return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(date);
}

export function escapeHtml(text: string): string {
    return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
