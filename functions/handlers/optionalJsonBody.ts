import type { HttpRequest } from '@azure/functions';

/**
 * An action's body as JSON, `{}` when there is none: who acts comes from the token, so an action whose fields are all
 * optional may be sent without a body. `ok: false` when the body is not JSON.
 */
export async function optionalJsonBody(request: HttpRequest): Promise<{ ok: true; body: unknown } | { ok: false }> {
    const text = await request.text();
    if (text.trim() === '') return { ok: true, body: {} };
    try {
        return { ok: true, body: JSON.parse(text) };
    } catch {
        return { ok: false };
    }
}
