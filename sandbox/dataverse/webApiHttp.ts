import type { IncomingMessage, ServerResponse } from 'node:http';
import { SandboxDataverseError } from './columnValues';

/** A JSON answer the way the Web API sends it. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
        'Content-Type': 'application/json; odata.metadata=minimal',
        'OData-Version': '4.0',
        'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
        return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
        throw new SandboxDataverseError(
            400,
            '0x80048d19',
            'Error identified in Payload provided by the user: invalid JSON.',
        );
    }
}

/**
 * Instance annotations are sent only when asked for: `Prefer: odata.include-annotations="*"` keeps them all,
 * a list keeps the named terms, no preference keeps only `@odata.context` and `@odata.etag`.
 */
export function filterAnnotations(body: Record<string, unknown>, prefer: string): Record<string, unknown> {
    const asked = /odata\.include-annotations="([^"]*)"/.exec(prefer)?.[1];
    if (asked === '*') return body;
    const terms = new Set(
        (asked ?? '')
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean),
    );
    return Object.fromEntries(
        Object.entries(body).filter(([key]) => {
            const at = key.indexOf('@');
            if (at < 0 || key.startsWith('@odata.')) return true;
            return terms.has(key.slice(at + 1));
        }),
    );
}
