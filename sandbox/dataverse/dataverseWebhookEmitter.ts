import { randomUUID } from 'node:crypto';
import type { NormalizedAttributes, NormalizedValue } from '../../src/dataverse/normalizedEvent';
import type { DataverseRecords } from './dataverseRecords';
import {
    type BuilderValue,
    buildRemoteExecutionContext,
    buildWebhookHeaders,
    stripForSizeExceeded,
} from './remoteExecutionContextBuilder';

/** How the step is registered: with or without images, and whether this event exceeds 256 KB. */
export interface EmitOptions {
    images?: boolean;
    oversized?: boolean;
}

export interface WebhookTarget {
    url: string;
    /** Sent as `?code=` (the WebhookKey auth type a Dataverse service endpoint uses for a function key). */
    functionKey?: string;
    /** Sent as a header (the HttpHeader auth type). */
    header?: { name: string; value: string };
}

export interface EmitResult {
    status: number;
    body: unknown;
}

/**
 * Plays Dataverse with an async webhook step registered on Create, Update and Delete of every table, with
 * PreImage and PostImage: it changes the row in the sandbox (so Web API reads see it) and POSTs the
 * RemoteExecutionContext the platform would send. Used by the sample launch, tests and the launch simulator.
 */
export class DataverseWebhookEmitter {
    readonly #rows = new Map<string, Record<string, BuilderValue>>();
    readonly #records: DataverseRecords;
    readonly #target: WebhookTarget;
    readonly #organization: string;
    readonly #now: () => Date;

    constructor(options: {
        records: DataverseRecords;
        target: WebhookTarget;
        organization?: string;
        now?: () => Date;
    }) {
        this.#records = options.records;
        this.#target = options.target;
        this.#organization = options.organization ?? 'contoso-developments.crm15.dynamics.com';
        this.#now = options.now ?? (() => new Date());
    }

    /** Creates a row and sends the Create event. */
    create(entity: string, id: string, attributes: Record<string, BuilderValue>): Promise<EmitResult> {
        return this.#change('Create', entity, id, attributes);
    }

    /** Changes columns of a row and sends the Update event (Target = only the changed columns, like Dataverse). */
    update(
        entity: string,
        id: string,
        changes: Record<string, BuilderValue>,
        options: EmitOptions = {},
    ): Promise<EmitResult> {
        return this.#change('Update', entity, id, changes, options);
    }

    /** Deletes a row and sends the Delete event (Target = an EntityReference, the row only in the pre-image). */
    async delete(entity: string, id: string): Promise<EmitResult> {
        const key = `${entity}/${id}`;
        const before = this.#rows.get(key);
        if (!before) throw new Error(`cannot delete ${key}: it was never created`);
        this.#rows.delete(key);
        const context = buildRemoteExecutionContext({
            message: 'Delete',
            entity,
            id,
            attributes: {},
            preImage: before,
            correlationId: randomUUID(),
            operationId: randomUUID(),
            operationCreatedOn: this.#now(),
        });
        return this.#post(context, buildWebhookHeaders(context, { organization: this.#organization }));
    }

    /** Writes a row without sending an event: reference data (projects, buildings) that no step watches. */
    seed(entity: string, id: string, attributes: Record<string, BuilderValue>): void {
        this.#rows.set(`${entity}/${id}`, { ...attributes });
        this.#records.put(entity, id, normalize(attributes));
    }

    async #change(
        message: 'Create' | 'Update',
        entity: string,
        id: string,
        changes: Record<string, BuilderValue>,
        options: EmitOptions = {},
    ): Promise<EmitResult> {
        const key = `${entity}/${id}`;
        const before = this.#rows.get(key);
        if (message === 'Update' && !before) throw new Error(`cannot update ${key}: it was never created`);
        const after = { ...(before ?? {}), ...changes };
        this.#rows.set(key, after);
        // A user's change in the CRM, not an API write: `put` keeps the sandbox's write log for the integration's PATCHes.
        const kept = Object.fromEntries(
            Object.entries(this.#records.get(entity, id) ?? {}).filter(
                ([column]) => !viewOnlyColumns.has(column) && column !== `${entity}id`,
            ),
        );
        this.#records.put(entity, id, { ...kept, ...normalize(after) });
        const row = this.#records.get(entity, id);
        const version = typeof row?.versionnumber === 'number' ? String(row.versionnumber) : undefined;
        const now = this.#now();
        const context = buildRemoteExecutionContext({
            message,
            entity,
            id,
            attributes: message === 'Update' ? { ...changes, modifiedon: { date: now } } : after,
            ...(before && options.images !== false ? { preImage: before } : {}),
            ...(options.images !== false ? { postImage: after } : {}),
            correlationId: randomUUID(),
            operationId: randomUUID(),
            operationCreatedOn: now,
            organizationName: 'unqcontosodev',
            ...(version ? { rowVersion: version } : {}),
        });
        if (options.oversized) {
            return this.#post(
                stripForSizeExceeded(context),
                buildWebhookHeaders(context, { organization: this.#organization, sizeExceeded: true }),
            );
        }
        return this.#post(context, buildWebhookHeaders(context, { organization: this.#organization }));
    }

    async #post(body: unknown, headers: Record<string, string>): Promise<EmitResult> {
        const url = new URL(this.#target.url);
        if (this.#target.functionKey) url.searchParams.set('code', this.#target.functionKey);
        const allHeaders = {
            ...headers,
            ...(this.#target.header ? { [this.#target.header.name]: this.#target.header.value } : {}),
        };
        const response = await fetch(url, { method: 'POST', headers: allHeaders, body: JSON.stringify(body) });
        const text = await response.text();
        let parsed: unknown = text;
        try {
            parsed = JSON.parse(text);
        } catch {
            // A non-JSON answer is reported as text.
        }
        return { status: response.status, body: parsed };
    }
}

/** Columns the sandbox adds to every row it shows; a write must not send them back. */
const viewOnlyColumns = new Set(['versionnumber', 'createdon', 'modifiedon']);

function normalize(attributes: Record<string, BuilderValue>): NormalizedAttributes {
    const out: NormalizedAttributes = {};
    for (const [column, value] of Object.entries(attributes)) out[column] = normalizeValue(value);
    return out;
}

function normalizeValue(value: BuilderValue): NormalizedValue {
    if (value === null || typeof value !== 'object') return value;
    if ('money' in value) return value.money;
    if ('option' in value) return value.option;
    if ('options' in value) return value.options;
    if ('ref' in value)
        return { logicalName: value.ref.logicalName, id: value.ref.id.toLowerCase(), name: value.ref.name ?? null };
    return value.date.toISOString();
}
