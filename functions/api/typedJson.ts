import type { HttpResponseInit } from '@azure/functions';
import type { z } from 'zod';
import { json } from '../handlers/jsonResponse';

/**
 * A JSON response whose body must type-check against the schema the connector publishes for it, so the swagger and
 * what the handler answers cannot drift apart unnoticed (test/connector checks the runtime side).
 */
export function jsonOf<S extends z.ZodType>(
    _schema: S,
    status: number,
    body: z.input<S>,
    headers: Record<string, string> = {},
): HttpResponseInit {
    return json(status, body, headers);
}
