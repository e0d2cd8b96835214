/** The session (or message) lock is gone: settling is refused and the message will be redelivered. */
export class SessionLockLostError extends Error {
    readonly code = 'SESSION_LOCK_LOST';
    readonly isSessionLockLostError = true;
    constructor(message: string) {
        super(message);
        this.name = 'SessionLockLostError';
    }
}
