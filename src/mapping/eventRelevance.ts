import type { NormalizedEvent } from '../dataverse/normalizedEvent';
import type { EntityMap, EntityRule } from './entityMapSchema';

export type Relevance = { kind: 'relevant'; rule: EntityRule } | { kind: 'ignored'; reason: string };

/**
 * Decides whether an event is something the map covers. Ignored events are acknowledged (202) with the reason,
 * so a registration that sends more than we need never turns into Dataverse retries.
 */
export function eventRelevance(event: NormalizedEvent, map: EntityMap): Relevance {
    const rule = map.entities[event.entity];
    if (!rule) return { kind: 'ignored', reason: `table ${event.entity} is not in entity map ${map.version}` };
    if (!(rule.messages as string[]).includes(event.messageName)) {
        return { kind: 'ignored', reason: `message ${event.messageName} on ${event.entity} is not mapped` };
    }
    if (event.messageName === 'Delete' && rule.onDelete === 'ignore') {
        return { kind: 'ignored', reason: `deletes of ${event.entity} are not propagated to the ERP` };
    }
    if (event.messageName !== 'Update' || event.target === null) return { kind: 'relevant', rule };

    const idColumn = `${event.entity}id`;
    const ignoredColumns = new Set([...map.systemColumns, idColumn]);
    // A column whose new value could not be read still changed: the row's owner has to see it.
    const sent = [...Object.keys(event.target), ...Object.keys(event.unreadable ?? {})];
    const changed = sent.filter((c) => !ignoredColumns.has(c));
    const owned = new Set(map.integrationOwnedColumns);
    if (changed.length > 0 && changed.every((c) => owned.has(c))) {
        // Our own write-back of the ERP posting id: answering it would loop forever.
        return { kind: 'ignored', reason: 'update touches only integration-owned columns (our own confirmation)' };
    }
    const triggers = rule.triggerColumns ?? rule.fields.map((f) => f.source);
    if (!changed.some((c) => triggers.includes(c))) {
        return { kind: 'ignored', reason: `update of ${event.entity} changes no mapped column` };
    }
    return { kind: 'relevant', rule };
}
