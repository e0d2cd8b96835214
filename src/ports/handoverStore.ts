/** A unit ready for handover: what the notification path (issue 7) turns into the owner's notice. */
export interface Handover {
    /** unit id + handover date: a unit moving back and forth to Ready for handover gets one notice per date. */
    key: string;
    unitId: string;
    unitCode: string;
    ownerId: string | null;
    readyOn: string;
    createdAt: string;
    transactionId: string;
    notice: 'pending' | 'sent' | 'failed';
}

export interface HandoverStore {
    /** Creates the handover unless one with this key exists; says which. */
    open(handover: Handover): Promise<'created' | 'exists'>;
    get(key: string): Promise<Handover | undefined>;
    listPending(max: number): Promise<Handover[]>;
}
