import { TableClient } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';

/** Managed identity in Azure; the Azurite development connection string locally. */
export type TableConnection = { endpoint: string; credential: TokenCredential } | { connectionString: string };

export function tableClient(connection: TableConnection, table: string): TableClient {
    if ('connectionString' in connection) {
        return TableClient.fromConnectionString(connection.connectionString, table, { allowInsecureConnection: true });
    }
    return new TableClient(connection.endpoint, table, connection.credential);
}
