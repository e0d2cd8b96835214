import type { HttpResponseInit } from '@azure/functions';
import type { z } from 'zod';
import { problem } from '../handlers/jsonResponse';

/** A 400 naming the first invalid field and why, from a failed zod parse. */
export function invalidInput(code: string, error: z.ZodError, fallbackField = 'body'): HttpResponseInit {
    const issue = error.issues[0];
    const field = issue?.path.join('.') || fallbackField;
    return problem(400, code, `${field}: ${issue?.message ?? 'invalid'}`, { field });
}

/** Query parameters as a plain object, for a zod schema. */
export function queryObject(query: URLSearchParams): Record<string, string> {
    return Object.fromEntries(query.entries());
}
