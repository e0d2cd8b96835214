import type { Owner } from '../domain/failure';

/**
 * Where an alert failed (an integration point of the owner registry). `teamsChannel`: a Teams channel the app could
 * not post to (raised by the delivery that failed, resolved by the next one that succeeds). `crmData`: a CRM row the
 * map cannot read (a required column missing, a value of the wrong kind): its data's owner fixes the row.
 */
export type IntegrationPoint =
    | 'erpPosting'
    | 'crmWriteBack'
    | 'crmData'
    | 'handoverNotice'
    | 'condition'
    | 'teamsChannel';

/** A failure class of the taxonomy, or `deadLettered` (nothing classified it: the infrastructure gave up). */
export type AlertClass = 'transient' | 'defect' | 'blocked' | 'duplicate' | 'deadLettered';

/**
 * One grouped alert: every failure with the same group key (point, class, code, condition or transaction type)
 * while the alert is not resolved counts into it, so a storm is one alert with a count.
 */
export interface Alert {
    id: string;
    groupKey: string;
    title: string;
    point: IntegrationPoint;
    failureClass: AlertClass;
    code: string;
    /** The team that owns the failure (the registry's route). */
    owner: Owner;
    /** The registry contact alerted at the current level (the owner at level 0, then its escalation path). */
    contact: string;
    /** What the owner must do. */
    action: string;
    /** A few business objects (unit, reservation, receipt) as examples; never personal data. */
    samples: string[];
    count: number;
    firstAt: string;
    lastAt: string;
    state: 'open' | 'acknowledged' | 'resolved';
    /** 0 = the owner; each escalation adds one. */
    level: number;
    levelSince: string;
    /** Record failures (a payment posting, a handover notice) are e-mailed to the owner as well. */
    email: boolean;
    consoleLink?: string;
    /** The count the last card showed, and when it was posted (unset: the current level has not been told yet). */
    postedCount: number;
    lastPostedAt?: string;
    /** The level whose e-mail the owner's mailbox got (record failures only), tracked apart from the cards. */
    mailedLevel?: number;
    /** The Teams message id of the last card posted. */
    lastMessageId?: string;
    /** Graph throttled or failed: nothing is delivered for this alert before this time. */
    deliverAfter?: string;
    lastDeliveryError?: string;
    acknowledgedAt?: string;
    acknowledgedBy?: string;
    resolvedAt?: string;
    /** Bumped on every write; `replace` succeeds only against the version read. */
    version: number;
}

export interface AlertStore {
    /** Creates the alert unless one with this id exists. */
    create(alert: Alert): Promise<'created' | 'exists'>;
    get(id: string): Promise<Alert | undefined>;
    /** The alert of this group that is not resolved, if any. */
    findUnresolved(groupKey: string): Promise<Alert | undefined>;
    /** Writes `next` (version + 1) if the stored version is still `expectedVersion`; false when someone else wrote. */
    replace(next: Alert, expectedVersion: number): Promise<boolean>;
    /** Alerts, newest first; `unresolvedOnly` leaves out resolved ones. */
    list(options: { unresolvedOnly?: boolean; max: number }): Promise<Alert[]>;
    /** Records `member` under `scope` once: true the first time, false after. Makes counting and sending idempotent. */
    addMember(scope: string, member: string): Promise<boolean>;
    hasMember(scope: string, member: string): Promise<boolean>;
    /** Records several members under `scope` in as few writes as the store allows; returns those that were new. */
    addMembers(scope: string, members: string[]): Promise<string[]>;
    /** Every member recorded under `scope` (one query, so a pass re-seeing a storm does not write per member). */
    listMembers(scope: string): Promise<Set<string>>;
}
