import type { TableSchema } from './sandboxSchema';
import { stableId } from './stableId';

type Row = Record<string, unknown>;

/** The messages steps can be registered on; every table of the schema has a filter for each. */
const messagesWithFilters = ['Create', 'Update', 'Delete', 'Assign', 'Retrieve'] as const;
/** Messages without a per-table filter here (RetrieveMultiple, WhoAmI): a step on them names no table. */
const otherMessages = ['RetrieveMultiple', 'WhoAmI'] as const;

/**
 * The read-only `sdkmessages` and `sdkmessagefilters` tables, as Dataverse ships them: one message row per
 * message name, one filter per table and message (`primaryobjecttypecode` = the table's logical name), with
 * ids that stay the same across restarts.
 */
export class SdkMessageCatalog {
    readonly messages: Row[];
    readonly filters: Row[];

    constructor(tables: readonly TableSchema[]) {
        this.messages = [...messagesWithFilters, ...otherMessages].map((name) => ({
            sdkmessageid: stableId(`sdkmessage:${name}`),
            name,
            isprivate: false,
            categoryname: name === 'WhoAmI' ? 'Security' : 'Default',
        }));
        this.filters = tables.flatMap((t) =>
            messagesWithFilters.map((message) => ({
                sdkmessagefilterid: stableId(`sdkmessagefilter:${message}:${t.logicalName}`),
                _sdkmessageid_value: stableId(`sdkmessage:${message}`),
                primaryobjecttypecode: t.logicalName,
                secondaryobjecttypecode: 'none',
                iscustomprocessingstepallowed: true,
                isvisible: true,
                availability: 0,
            })),
        );
    }

    message(id: string): Row | undefined {
        return this.messages.find((m) => m.sdkmessageid === id);
    }

    filter(id: string): Row | undefined {
        return this.filters.find((f) => f.sdkmessagefilterid === id);
    }
}
