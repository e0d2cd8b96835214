/** The session (or message) lock is gone: settling is refused and the message will be redelivered. */
export class SessionLockLostError extends Error {
    readonly code = 'SESSION_LOCK_LOST';
    readonly isSessionLockLostError = true;
    constructor(message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = 'SessionLockLostError';
    }
}

export function isSessionLockLostError(e: unknown): e is SessionLockLostError {
    return (
        typeof e === 'object' &&
        e !== null &&
        (e as { isSessionLockLostError?: unknown }).isSessionLockLostError === true
    );
}
