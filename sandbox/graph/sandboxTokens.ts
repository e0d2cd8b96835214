import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * The tokens of the sandbox's Entra ID: compact JWTs (HS256) that only this sandbox signs and checks. Real Entra
 * signs RS256 with published keys; nothing outside the sandbox verifies these, so a per-process HMAC key is enough
 * and keeps the claims Graph and the token endpoint decide on (aud, iss, sub, appid, roles, exp) real.
 */
export interface TokenClaims {
    aud: string;
    iss: string;
    sub: string;
    /** The client (application) id the token was issued to. */
    appid: string;
    tid: string;
    roles: string[];
    iat: number;
    nbf: number;
    exp: number;
    idtyp: 'app';
    oid: string;
}

export type Verified = { ok: true; claims: TokenClaims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export class TokenSigner {
    readonly #key = randomBytes(32);

    constructor(private readonly now: () => Date) {}

    issue(
        claims: Omit<TokenClaims, 'iat' | 'nbf' | 'exp' | 'idtyp'>,
        lifetimeSeconds = 3600,
    ): {
        token: string;
        expiresOn: number;
    } {
        const iat = Math.floor(this.now().getTime() / 1000);
        const payload: TokenClaims = { ...claims, iat, nbf: iat, exp: iat + lifetimeSeconds, idtyp: 'app' };
        const unsigned = `${encode({ typ: 'JWT', alg: 'HS256', kid: 'sandbox' })}.${encode(payload)}`;
        return { token: `${unsigned}.${this.#sign(unsigned)}`, expiresOn: payload.exp };
    }

    verify(token: string): Verified {
        const parts = token.split('.');
        if (parts.length !== 3) return { ok: false, reason: 'malformed' };
        const [header, payload, signature] = parts as [string, string, string];
        const expected = Buffer.from(this.#sign(`${header}.${payload}`));
        const given = Buffer.from(signature);
        if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
            return { ok: false, reason: 'signature' };
        }
        let claims: TokenClaims;
        try {
            claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
        } catch {
            return { ok: false, reason: 'malformed' };
        }
        if (claims.exp * 1000 <= this.now().getTime()) return { ok: false, reason: 'expired' };
        return { ok: true, claims };
    }

    #sign(text: string): string {
        return createHmac('sha256', this.#key).update(text).digest('base64url');
    }
}

/** Entra's OAuth error body: `error`, an `error_description` starting with the AADSTS code, and its number. */
export function entraError(error: string, code: number, description: string, now: Date): Record<string, unknown> {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = now
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
    return {
        error,
        error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
        error_codes: [code],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
    };
}
