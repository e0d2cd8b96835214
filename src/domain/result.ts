/** A result whose arms cannot be confused: reading `error` on success is a type error. */
export type Result<T, E> = { ok: true; value: T; error?: never } | { ok: false; error: E; value?: never };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });

export function assertNever(value: never, what = 'value'): never {
    throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
