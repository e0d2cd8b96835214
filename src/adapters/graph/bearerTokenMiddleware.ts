import type { AuthenticationProvider, Context, Middleware } from '@microsoft/microsoft-graph-client';

/** The name a failed token acquisition carries through the SDK (it wraps it in a GraphError with this `code`). */
export const tokenErrorName = 'GraphTokenUnavailable';

/**
 * Puts `Authorization: Bearer <token>` on every request to our one base URL. It replaces the SDK's
 * AuthenticationHandler, which adds the token only for https Graph hosts (or https custom hosts) and strips it
 * otherwise, so the plain-http sandbox would never see one. A request anywhere else gets no token.
 */
export class BearerTokenMiddleware implements Middleware {
    readonly #authProvider: AuthenticationProvider;
    readonly #origin: string;
    #next: Middleware | undefined;

    constructor(authProvider: AuthenticationProvider, baseUrl: string) {
        this.#authProvider = authProvider;
        this.#origin = new URL(baseUrl).origin;
    }

    async execute(context: Context): Promise<void> {
        const url = typeof context.request === 'string' ? context.request : context.request.url;
        if (new URL(url).origin === this.#origin) setHeader(context, 'Authorization', `Bearer ${await this.#token()}`);
        if (!this.#next) throw new Error('BearerTokenMiddleware needs a next middleware (the HTTP handler)');
        await this.#next.execute(context);
    }

    setNext(next: Middleware): void {
        this.#next = next;
    }

    async #token(): Promise<string> {
        try {
            return await this.#authProvider.getAccessToken();
        } catch (e) {
            const error = new Error(`no Graph token: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
            error.name = tokenErrorName;
            throw error;
        }
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
