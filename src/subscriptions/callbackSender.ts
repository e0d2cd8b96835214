/** Delivers one notification; answers the callback's HTTP status, or throws when it cannot be reached. */
export type CallbackSender = (url: string, body: unknown) => Promise<{ status: number }>;

/** POSTs JSON with a time limit, so a hanging subscriber cannot hold a unit's session for long. */
export function fetchCallbackSender(timeoutMs: number): CallbackSender {
    return async (url, body) => {
        const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(timeoutMs),
            redirect: 'error',
        });
        // Drain the body so the connection is released.
        await response.arrayBuffer().catch(() => undefined);
        return { status: response.status };
    };
}
