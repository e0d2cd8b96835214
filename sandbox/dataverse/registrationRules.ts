import { SandboxDataverseError } from './columnValues';
import type { RegistrationStore } from './registrationStore';
import type { TableSchema } from './sandboxSchema';
import type { SdkMessageCatalog } from './sdkMessageCatalog';

type Row = Record<string, unknown>;

export interface RuleContext {
    tables: readonly TableSchema[];
    catalog: SdkMessageCatalog;
    store: RegistrationStore;
}

/**
 * The checks Dataverse makes when a registration row is written (the row as it will be stored, after a PATCH
 * is merged into it). Each refusal carries a Dataverse error code and says what to change.
 */
export const registrationRules: Record<string, (row: Row, context: RuleContext, creating: boolean) => void> = {
    serviceendpoint: (row, _context, creating) => {
        if (row.contract !== 8) return;
        const url = typeof row.url === 'string' ? parseUrl(row.url) : undefined;
        if (!url) refuse('0x80040203', 'A WebHook needs an absolute http or https url.');
        // Dataverse calls webhooks on 80 and 443 only; the sandbox also accepts loopback, the local Functions host.
        const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
        if (url.port !== '' && !loopback)
            refuse('0x80040203', 'Registered WebHooks support only port 80 for HTTP and port 443 for HTTPS.');
        if (row.authtype !== 4 && row.authtype !== 5 && row.authtype !== 6) {
            refuse(
                '0x80040203',
                `A WebHook's authtype is 4 (WebhookKey), 5 (HttpHeader) or 6 (HttpQueryString), not ${String(row.authtype)}.`,
            );
        }
        const value = row.authvalue;
        if (creating && (typeof value !== 'string' || value === '')) {
            refuse('0x80040203', 'An authentication value (authvalue) is required for a WebHook.');
        }
        if (
            row.authtype !== 4 &&
            typeof value === 'string' &&
            !/^<settings>(\s*<setting name="[^"]+" value="[^"]*"\s*\/>)*\s*<\/settings>$/.test(value)
        ) {
            refuse(
                '0x80040203',
                'For HttpHeader and HttpQueryString the authvalue is <settings><setting name="…" value="…" /></settings>.',
            );
        }
    },

    sdkmessageprocessingstep: (row, { catalog, tables }) => {
        const message = catalog.message(String(row._sdkmessageid_value));
        const filterId = row._sdkmessagefilterid_value;
        const filter = typeof filterId === 'string' ? catalog.filter(filterId) : undefined;
        if (filter && filter._sdkmessageid_value !== row._sdkmessageid_value) {
            refuse(
                '0x80040203',
                `The sdkmessagefilter ${String(filterId)} is not a filter of the ${String(message?.name)} message.`,
            );
        }
        if (row.mode === 1 && row.stage !== 40) {
            refuse(
                '0x80044184',
                'Invalid plug-in registration stage. Asynchronous steps can only be registered in the PostOperation stage (40).',
            );
        }
        const filtering = columns(row.filteringattributes);
        if (filtering.length === 0) return;
        if (!filter)
            refuse('0x80040203', 'Filtering attributes need a message filter (sdkmessagefilterid) naming the table.');
        if (message?.name !== 'Update' && message?.name !== 'Create') {
            refuse('0x80040203', `The ${String(message?.name)} message does not support filtering attributes.`);
        }
        checkColumns(tables, String(filter?.primaryobjecttypecode), filtering);
    },

    sdkmessageprocessingstepimage: (row, { catalog, store, tables }) => {
        const step = store.get('sdkmessageprocessingsteps', String(row._sdkmessageprocessingstepid_value));
        const message = String(catalog.message(String(step?._sdkmessageid_value))?.name);
        const type = row.imagetype;
        if (message === 'Create' && (type === 0 || type === 2)) {
            refuse(
                '0x80040203',
                'A PreImage cannot be registered on the Create message: the row does not exist before it.',
            );
        }
        if (message === 'Delete' && (type === 1 || type === 2)) {
            refuse(
                '0x80040203',
                'A PostImage cannot be registered on the Delete message: the row no longer exists after it.',
            );
        }
        if ((type === 1 || type === 2) && step?.stage !== 40) {
            refuse('0x80040203', 'A PostImage needs a step in the PostOperation stage (40).');
        }
        const properties: Record<string, string[]> = {
            Create: ['Target', 'Id'],
            Update: ['Target'],
            Delete: ['Target'],
        };
        const allowed = properties[message];
        if (allowed && !allowed.includes(String(row.messagepropertyname))) {
            refuse(
                '0x80040203',
                `'${String(row.messagepropertyname)}' is not an image property of the ${message} message; use ${allowed.join(' or ')}.`,
            );
        }
        const filter = catalog.filter(String(step?._sdkmessagefilterid_value));
        if (filter) checkColumns(tables, String(filter.primaryobjecttypecode), columns(row.attributes));
    },
};

function checkColumns(tables: readonly TableSchema[], entity: string, names: string[]): void {
    const table = tables.find((t) => t.logicalName === entity);
    for (const name of names) {
        if (!table?.columns[name]) {
            throw new SandboxDataverseError(
                400,
                '0x80041103',
                `'${entity}' entity doesn't contain attribute with Name = '${name}' and NameMapping = 'Logical'.`,
            );
        }
    }
}

function columns(list: unknown): string[] {
    return typeof list === 'string'
        ? list
              .split(',')
              .map((c) => c.trim().toLowerCase())
              .filter(Boolean)
        : [];
}

function parseUrl(text: string): URL | undefined {
    try {
        const url = new URL(text);
        return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
    } catch {
        return undefined;
    }
}

function refuse(code: string, message: string): never {
    throw new SandboxDataverseError(400, code, message);
}
