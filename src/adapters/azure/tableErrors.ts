import { StoreUnavailableError } from '../../ports/storeErrors';

/** HTTP status of a Table Storage RestError, if any. */
export function statusOf(e: unknown): number | undefined {
    const status = (e as { statusCode?: unknown } | null)?.statusCode;
    return typeof status === 'number' ? status : undefined;
}

/** Anti-corruption at the boundary: outages become StoreUnavailableError; everything else is rethrown as is. */
export function translateTableError(e: unknown, what: string): Error {
    const status = statusOf(e);
    if (status === undefined || status >= 500 || status === 408) {
        return new StoreUnavailableError(
            `Table Storage unavailable while ${what}: ${e instanceof Error ? e.message : String(e)}`,
            { cause: e },
        );
    }
    return e instanceof Error ? e : new Error(String(e));
}

export async function createTableIfMissing(client: { createTable(): Promise<void> }): Promise<void> {
    try {
        await client.createTable();
    } catch (e) {
        if (statusOf(e) !== 409) throw translateTableError(e, 'creating a table');
    }
}
