import type { NormalizedEvent } from '../dataverse/normalizedEvent';
import { parseDataverseWebhook } from '../dataverse/parseWebhook';
import type { FieldValue, TransactionType } from '../domain/transaction';
import type { EntityMap } from '../mapping/entityMapSchema';
import { mapFields, missingRequiredColumns } from '../mapping/mapRecord';
import { planEvent } from './intake';

export type MapVerdict =
    | { outcome: 'ignored'; reason: string }
    /** Accepted all the same: the transaction goes to review for the table's data owner, not to the ERP. */
    | { outcome: 'invalid'; code: string; field: string; reason: string; message: string }
    | {
          outcome: 'mapped';
          transactionType: TransactionType;
          entityMapVersion: string;
          sessionId: string;
          data: Record<string, FieldValue>;
          /** Columns intake would read from Dataverse before mapping (Update without images, oversized event). */
          crmReadNeeded: string[];
          /** Related rows intake would read (from its index, else Dataverse). */
          relatedLookups: Array<{ entity: string; via: string; id: FieldValue | undefined; columns: string[] }>;
      };

export type InspectResult =
    | { ok: true; event: NormalizedEvent; map: MapVerdict }
    | { ok: false; error: { code: string; message: string; path: string } };

/** What intake would make of a payload, without reading the CRM or enqueuing anything (`npm run inspect`). */
export function inspectDataverseEvent(
    body: unknown,
    headers: Record<string, string | undefined>,
    map: EntityMap,
): InspectResult {
    const parsed = parseDataverseWebhook(body, headers);
    if (!parsed.ok) return { ok: false, error: parsed.error };
    const event = parsed.value;
    const plan = planEvent(event, map);
    if (plan.kind === 'ignored') return { ok: true, event, map: { outcome: 'ignored', reason: plan.reason } };
    const missing = plan.crmReadNeeded ? missingRequiredColumns(plan.rule, plan.attributes, event.unreadable) : [];
    if (missing.length > 0 || event.sizeExceeded) {
        return {
            ok: true,
            event,
            map: {
                outcome: 'mapped',
                transactionType: plan.rule.transactionType,
                entityMapVersion: map.version,
                sessionId: '(after the Dataverse read)',
                data: {},
                crmReadNeeded: event.sizeExceeded ? ['(whole row: the event was over 256 KB)'] : missing,
                relatedLookups: [],
            },
        };
    }
    const { data, problems } = mapFields(event.entity, plan.rule, plan.attributes, event.recordId, event.unreadable);
    const [first] = problems;
    if (first) return { ok: true, event, map: { outcome: 'invalid', ...first } };
    const sessionValue = data[plan.rule.session.field];
    return {
        ok: true,
        event,
        map: {
            outcome: 'mapped',
            transactionType: plan.rule.transactionType,
            entityMapVersion: map.version,
            sessionId:
                typeof sessionValue === 'string'
                    ? `${plan.rule.session.prefix}-${sessionValue}`
                    : `${plan.rule.session.prefix}-(${plan.rule.session.field} from a related look-up)`,
            data,
            crmReadNeeded: [],
            relatedLookups: plan.rule.related.map((r) => ({
                entity: r.entity,
                via: r.via,
                id: data[r.via],
                columns: Object.keys(r.columns),
            })),
        },
    };
}
