import type { HttpRequest } from '@azure/functions';

export type BoundedBody = { ok: true; text: string } | { ok: false; reason: string };

/**
 * The body as text, read only up to `maxBytes`: a declared Content-Length over the limit is refused before anything
 * is read, and a body that streams past it (no length, or a false one) stops being read there, so an oversized
 * request costs at most the limit in memory, never its own size.
 */
export async function readBodyWithin(
    request: Pick<HttpRequest, 'headers' | 'body'>,
    maxBytes: number,
): Promise<BoundedBody> {
    const declared = request.headers.get('content-length')?.trim();
    if (declared && /^\d+$/.test(declared) && Number(declared) > maxBytes)
        return { ok: false, reason: `Content-Length ${declared} exceeds the limit of ${maxBytes} bytes` };
    const stream = request.body;
    if (!stream) return { ok: true, text: '' };
    const reader = stream.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > maxBytes) {
            await reader.cancel('body over the limit');
            return { ok: false, reason: `body exceeds the limit of ${maxBytes} bytes (stopped reading there)` };
        }
        chunks.push(value);
    }
    // As Request.text() decodes: UTF-8, a leading BOM dropped, bad sequences replaced.
    return { ok: true, text: new TextDecoder().decode(Buffer.concat(chunks)) };
}
