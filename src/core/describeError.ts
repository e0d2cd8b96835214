/** A short, log-safe description of any thrown value (code and message; never a request body). */
export function describeError(e: unknown): string {
    if (e instanceof Error) {
        const code = (e as { code?: unknown }).code;
        return typeof code === 'string' ? `${code}: ${e.message}` : e.message;
    }
    return String(e);
}
