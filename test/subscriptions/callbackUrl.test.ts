import { describe, expect, it } from 'vitest';
import { checkCallbackUrl } from '../../src/subscriptions/callbackUrl';

describe('callback URL check', () => {
    it('accepts https anywhere', () => {
        expect(checkCallbackUrl('https://prod-1.logic.azure.com/x?sig=s', { allowLoopbackHttp: false }).ok).toBe(true);
    });

    it('accepts plain HTTP on loopback only when the composition allows it (local runtime)', () => {
        expect(checkCallbackUrl('http://127.0.0.1:9000/hook', { allowLoopbackHttp: true }).ok).toBe(true);
        expect(checkCallbackUrl('http://localhost:9000/hook', { allowLoopbackHttp: true }).ok).toBe(true);
        expect(checkCallbackUrl('http://127.0.0.1:9000/hook', { allowLoopbackHttp: false })).toEqual({
            ok: false,
            error: 'callbackUrl must be https',
        });
        expect(checkCallbackUrl('http://10.0.0.4/hook', { allowLoopbackHttp: true })).toEqual({
            ok: false,
            error: 'callbackUrl must be https (or http on localhost)',
        });
    });

    it('refuses other schemes, relative URLs and URLs with credentials', () => {
        const options = { allowLoopbackHttp: true };
        expect(checkCallbackUrl('ftp://x.com/a', options).ok).toBe(false);
        expect(checkCallbackUrl('/api/hook', options)).toEqual({
            ok: false,
            error: 'callbackUrl is not an absolute URL',
        });
        expect(checkCallbackUrl('https://user:pw@x.com/a', options)).toEqual({
            ok: false,
            error: 'callbackUrl must not carry user credentials',
        });
    });
});
