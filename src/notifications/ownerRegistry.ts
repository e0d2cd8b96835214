import { z } from 'zod';
import { type Owner, owners } from '../domain/failure';
import type { AlertClass, IntegrationPoint } from '../ports/alertStore';

const points = [
    'erpPosting',
    'crmWriteBack',
    'crmData',
    'handoverNotice',
    'condition',
    'teamsChannel',
] as const satisfies IntegrationPoint[];
const classes = ['transient', 'defect', 'blocked', 'duplicate', 'deadLettered'] as const satisfies AlertClass[];

const contactSchema = z
    .object({
        displayName: z.string().min(1),
        /** The team's mailbox or distribution list: alerts about single records and the summary go here. */
        email: z.email(),
        /** The channel the team's Teams app (RSC ChannelMessage.Send.Group) is installed in. */
        teamId: z.string().min(1),
        channelId: z.string().min(1),
        /** The next contact when an alert at this level is not acknowledged within `escalateAfterMinutes`. */
        escalateTo: z.string().min(1).optional(),
        escalateAfterMinutes: z.number().int().positive().optional(),
    })
    .strict();

const routeSchema = z
    .object({
        point: z.union([z.enum(points), z.literal('*')]),
        failureClass: z.union([z.enum(classes), z.literal('*')]),
        /** A team, or `byRule`: the owner the failure classification named (e.g. finance for a frozen period). */
        owner: z.union([z.enum(owners), z.literal('byRule')]),
        /** What the owner must do, shown on the card and in the e-mail. */
        action: z.string().min(1),
    })
    .strict();

export const ownerRegistrySchema = z
    .object({
        version: z.string().min(1),
        /** Every team that can be alerted, by name; the four owners of the failure taxonomy must be among them. */
        contacts: z.record(z.string().min(1), contactSchema),
        /** First matching route wins; the last one should be `*`/`*`. */
        routes: z.array(routeSchema).min(1),
        alerting: z
            .object({
                /** A grouped alert whose count grew gets an update in its thread at most this often. */
                updateEveryMinutes: z.number().int().positive(),
                /** A parked condition is alerted once it has stood this long. */
                conditionAfterMinutes: z.number().int().min(0),
                /** How many examples (units, receipts) a card lists. */
                samples: z.number().int().min(1).max(20),
            })
            .strict(),
        /** Who receives the end-of-day summary (channel and e-mail). */
        summary: z.object({ contacts: z.array(z.string().min(1)).min(1) }).strict(),
    })
    .strict()
    .superRefine((registry, ctx) => {
        const names = Object.keys(registry.contacts);
        for (const owner of owners) {
            if (!names.includes(owner)) {
                ctx.addIssue({
                    code: 'custom',
                    path: ['contacts', owner],
                    message: `the owner "${owner}" needs a contact`,
                });
            }
        }
        for (const [name, contact] of Object.entries(registry.contacts)) {
            if (contact.escalateTo === undefined) continue;
            if (!names.includes(contact.escalateTo)) {
                const message = `escalates to unknown contact "${contact.escalateTo}"`;
                ctx.addIssue({ code: 'custom', path: ['contacts', name, 'escalateTo'], message });
            } else if (contact.escalateAfterMinutes === undefined) {
                const message = 'required with escalateTo';
                ctx.addIssue({ code: 'custom', path: ['contacts', name, 'escalateAfterMinutes'], message });
            }
            const seen = new Set([name]);
            for (let next: string | undefined = contact.escalateTo; next; next = registry.contacts[next]?.escalateTo) {
                if (seen.has(next)) {
                    const message = `escalation path loops back to "${next}"`;
                    ctx.addIssue({ code: 'custom', path: ['contacts', name, 'escalateTo'], message });
                    break;
                }
                seen.add(next);
            }
        }
        registry.summary.contacts.forEach((name, i) => {
            if (!names.includes(name)) {
                ctx.addIssue({
                    code: 'custom',
                    path: ['summary', 'contacts', i],
                    message: `unknown contact "${name}"`,
                });
            }
        });
        const last = registry.routes.at(-1);
        if (last && (last.point !== '*' || last.failureClass !== '*')) {
            const message = 'the last route must match everything (point "*", failureClass "*")';
            ctx.addIssue({ code: 'custom', path: ['routes', registry.routes.length - 1], message });
        }
    });

export type OwnerRegistry = z.infer<typeof ownerRegistrySchema>;
export type Contact = z.infer<typeof contactSchema>;

export interface Route {
    owner: Owner;
    action: string;
}

/** Who owns a failure at this point and of this class; `byRule` takes the classification's owner. */
export function routeFor(
    registry: OwnerRegistry,
    point: IntegrationPoint,
    failureClass: AlertClass,
    ruleOwner: Owner | undefined,
): Route {
    const route = registry.routes.find(
        (r) => (r.point === '*' || r.point === point) && (r.failureClass === '*' || r.failureClass === failureClass),
    );
    // The schema requires a catch-all last route, so a route is always found.
    if (!route) throw new Error(`owner registry has no route for ${point}/${failureClass}`);
    const owner = route.owner === 'byRule' ? (ruleOwner ?? 'integration') : route.owner;
    return { owner, action: route.action };
}

export function contactOf(registry: OwnerRegistry, name: string): Contact {
    const contact = registry.contacts[name];
    if (!contact) throw new Error(`owner registry has no contact "${name}"`);
    return contact;
}
