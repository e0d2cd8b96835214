import { describe, expect, it } from 'vitest';
import { readBodyWithin } from '../../../functions/handlers/boundedBody';

const chunk = new Uint8Array(64 * 1024).fill(0x20);

/** A request body that streams without end (no Content-Length), counting the chunks anyone pulled. */
function endless(): { request: { headers: Headers; body: ReadableStream<Uint8Array> }; pulled: () => number } {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
        pull(controller) {
            pulled++;
            controller.enqueue(chunk);
        },
    });
    return { request: { headers: new Headers(), body }, pulled: () => pulled };
}

describe('readBodyWithin', () => {
    it('stops reading a streamed body at the limit instead of reading it whole', async () => {
        const { request, pulled } = endless();
        const read = await readBodyWithin(request as never, 1024 * 1024);
        expect(read).toEqual({ ok: false, reason: 'body exceeds the limit of 1048576 bytes (stopped reading there)' });
        // 16 chunks reach the limit, the 17th passes it; the stream's high-water mark may have pulled one more.
        expect(pulled()).toBeLessThanOrEqual(18);
    });

    it('refuses a declared length over the limit without reading at all', async () => {
        const { request, pulled } = endless();
        request.headers.set('content-length', '2000000');
        const read = await readBodyWithin(request as never, 1024 * 1024);
        expect(read).toEqual({ ok: false, reason: 'Content-Length 2000000 exceeds the limit of 1048576 bytes' });
        expect(pulled()).toBeLessThanOrEqual(1);
    });

    it('reads a body within the limit as UTF-8 text, a leading BOM dropped, and no body as empty text', async () => {
        const text = '\uFEFF{"name":"برج"}';
        const bytes = new TextEncoder().encode(text);
        const body = new ReadableStream<Uint8Array>({
            start(controller) {
                controller.enqueue(bytes.slice(0, 7));
                controller.enqueue(bytes.slice(7));
                controller.close();
            },
        });
        expect(await readBodyWithin({ headers: new Headers(), body } as never, 1024)).toEqual({
            ok: true,
            text: '{"name":"برج"}',
        });
        expect(await readBodyWithin({ headers: new Headers(), body: null } as never, 1024)).toEqual({
            ok: true,
            text: '',
        });
    });
});
