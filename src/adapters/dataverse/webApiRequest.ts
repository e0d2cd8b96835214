import { CrmAuthError } from '../../ports/crmErrors';
import { faultFromThrown } from './dataverseFault';

export interface WebApiConnection {
    /** `${orgUrl}/api/data/v9.2/`, ending in a slash. */
    apiUrl: string;
    /** A bearer token for the organisation (`${orgUrl}/.default`); the local sandbox accepts its development token. */
    getToken: () => Promise<string>;
    timeoutMs: number;
}

/** One Web API request with the OData headers and a bearer token; a missing token or no answer become typed faults. */
export async function sendWebApi(
    connection: WebApiConnection,
    label: string,
    path: string,
    init: { method: string; headers: Record<string, string>; body?: string },
): Promise<Response> {
    let token: string;
    try {
        token = await connection.getToken();
    } catch (e) {
        const reason = e instanceof Error ? e.message : String(e);
        throw new CrmAuthError(`${label}: no Dataverse token: ${reason}`, undefined, { cause: e });
    }
    try {
        return await fetch(`${connection.apiUrl}${path}`, {
            method: init.method,
            headers: {
                Accept: 'application/json',
                'OData-MaxVersion': '4.0',
                'OData-Version': '4.0',
                Authorization: `Bearer ${token}`,
                ...init.headers,
            },
            ...(init.body === undefined ? {} : { body: init.body }),
            signal: AbortSignal.timeout(connection.timeoutMs),
        });
    } catch (e) {
        throw faultFromThrown(e, label, connection.timeoutMs);
    }
}
