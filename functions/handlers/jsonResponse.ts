import type { HttpResponseInit } from '@azure/functions';

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
    return { status, jsonBody: body, headers: { 'content-type': 'application/json', ...headers } };
}

export function problem(
    status: number,
    code: string,
    message: string,
    extra: Record<string, unknown> = {},
): HttpResponseInit {
    return json(status, { error: { code, message, ...extra } });
}
