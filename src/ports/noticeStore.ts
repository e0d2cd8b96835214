import type { FailureClass } from '../domain/failure';

/**
 * Where one handover notice stands. `sending` is the claim taken before Graph is called: a notice found still
 * `sending` after a crash is never sent again by itself (Graph's sendMail has no idempotency key), it fails as
 * "outcome unknown" and someone is told.
 */
export type NoticeState = 'pending' | 'sending' | 'sent' | 'retrying' | 'failed';

export const openNoticeStates: ReadonlySet<NoticeState> = new Set(['pending', 'sending', 'retrying']);

export interface Notice {
    /** The handover's key (unit id + handover date): one notice per handover, ever. */
    key: string;
    unitId: string;
    unitCode: string;
    readyOn: string;
    ownerId: string | null;
    state: NoticeState;
    attempts: number;
    /** The template language used (never the address). */
    language?: string;
    lastError?: string;
    /** Set when the notice failed for good: what kind of failure and its code, for the alert. */
    failureClass?: FailureClass;
    failureCode?: string;
    sentAt?: string;
    /** A notice waiting to be retried is not tried before this (Graph's Retry-After or the back-off). */
    nextAttemptAt?: string;
    createdAt: string;
    updatedAt: string;
    /** Bumped on every write; `replace` succeeds only against the version read. */
    version: number;
}

export interface NoticeStore {
    /** Creates the notice unless one with this key exists. */
    create(notice: Notice): Promise<'created' | 'exists'>;
    get(key: string): Promise<Notice | undefined>;
    /** Writes `next` (version + 1) if the stored version is still `expectedVersion`; false when someone else wrote. */
    replace(next: Notice, expectedVersion: number): Promise<boolean>;
    /** Notices, newest first (at most `max`); `openOnly`: only those still to send (pending, sending, retrying). */
    list(options: { openOnly?: boolean; max: number }): Promise<Notice[]>;
}
