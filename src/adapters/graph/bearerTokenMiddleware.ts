import type { Context, Middleware, MiddlewareOptions } from '@microsoft/microsoft-graph-client';

/**
 * The bearer token of one request, passed with `request.middlewareOptions([...])`: mail and channel messages are
 * sent as different identities (the managed identity, the Teams app), so the token is chosen per call, and it is
 * acquired before the call so that a refused token keeps its own error (the SDK would flatten it).
 */
export class BearerToken implements MiddlewareOptions {
    constructor(readonly token: string) {}
}

/**
 * Puts `Authorization: Bearer <token>` on every request to our one base URL. It replaces the SDK's
 * AuthenticationHandler, which adds the token only for https Graph hosts (or https custom hosts) and strips it
 * otherwise, so the plain-http sandbox would never see one. A request anywhere else (a redirect) gets no token.
 */
export class BearerTokenMiddleware implements Middleware {
    readonly #origin: string;
    #next: Middleware | undefined;

    constructor(baseUrl: string) {
        this.#origin = new URL(baseUrl).origin;
    }

    async execute(context: Context): Promise<void> {
        const url = typeof context.request === 'string' ? context.request : context.request.url;
        const option = context.middlewareControl?.getMiddlewareOptions(BearerToken) as BearerToken | undefined;
        if (!option) throw new Error('BearerTokenMiddleware: the request carries no BearerToken option');
        if (new URL(url).origin === this.#origin) setHeader(context, 'Authorization', `Bearer ${option.token}`);
        if (!this.#next) throw new Error('BearerTokenMiddleware needs a next middleware (the HTTP handler)');
        await this.#next.execute(context);
    }

    setNext(next: Middleware): void {
        this.#next = next;
    }
}

function setHeader(context: Context, name: string, value: string): void {
    if (typeof context.request !== 'string') {
        context.request.headers.set(name, value);
        return;
    }
    const options = context.options ?? {};
    context.options = options;
    if (options.headers instanceof Headers) {
        options.headers.set(name, value);
    } else if (Array.isArray(options.headers)) {
        options.headers = [...options.headers.filter(([k]) => k !== name), [name, value]];
    } else {
        options.headers = { ...options.headers, [name]: value };
    }
}
