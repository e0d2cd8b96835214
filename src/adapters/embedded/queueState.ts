import type { StoredMessage } from './storedMessage';

/** One journal line; replaying the lines in order rebuilds the state. */
export type JournalLine =
    | { t: 'send'; m: StoredMessage }
    | { t: 'deliver'; seq: number; n: number }
    | { t: 'done'; seq: number }
    | { t: 'dead'; seq: number; reason: string; description: string }
    /** Message ids still inside the duplicate-detection window, carried across compaction. */
    | { t: 'seen'; ids: Array<[string, number]> };

/**
 * The embedded queue's state, free of I/O: live messages indexed per session in session order, dead letters in the
 * order they died, and the ids seen within the duplicate-detection window.
 */
export class QueueState {
    readonly messages = new Map<number, StoredMessage>();
    readonly sessions = new Map<string, StoredMessage[]>();
    readonly dead = new Map<number, StoredMessage>();
    /** messageId → time first sent; insertion order is time order, so expiry trims from the front. */
    readonly seenIds = new Map<string, number>();
    lastSeq = 0;

    apply(line: JournalLine): void {
        switch (line.t) {
            case 'send':
                this.lastSeq = Math.max(this.lastSeq, line.m.seq);
                if (!this.seenIds.has(line.m.messageId)) this.seenIds.set(line.m.messageId, line.m.enqueuedAt);
                if (line.m.deadLetter) this.dead.set(line.m.seq, line.m);
                else this.add(line.m);
                return;
            case 'deliver': {
                const m = this.messages.get(line.seq);
                if (m) m.deliveryCount = line.n;
                return;
            }
            case 'done': {
                const m = this.messages.get(line.seq);
                if (m) this.remove(m);
                return;
            }
            case 'dead': {
                const m = this.messages.get(line.seq);
                if (m) this.toDeadLetter(m, line.reason, line.description);
                return;
            }
            case 'seen':
                for (const [id, at] of line.ids) if (!this.seenIds.has(id)) this.seenIds.set(id, at);
                return;
        }
    }

    /** The lines that rebuild exactly this state (compaction). */
    snapshot(): JournalLine[] {
        const live = [...this.messages.values()].sort((a, b) => a.seq - b.seq);
        return [
            { t: 'seen', ids: [...this.seenIds] },
            ...live.map((m): JournalLine => ({ t: 'send', m })),
            ...[...this.dead.values()].map((m): JournalLine => ({ t: 'send', m })),
        ];
    }

    add(m: StoredMessage): void {
        this.messages.set(m.seq, m);
        const list = this.sessions.get(m.sessionId);
        if (!list) {
            this.sessions.set(m.sessionId, [m]);
            return;
        }
        // Nearly always an append; a scheduled message, or one sent before a later-due scheduled one, slots in.
        let i = list.length;
        while (i > 0 && comesBefore(m, list[i - 1] as StoredMessage)) i--;
        list.splice(i, 0, m);
    }

    remove(m: StoredMessage): void {
        this.messages.delete(m.seq);
        const list = this.sessions.get(m.sessionId);
        if (!list) return;
        const i = list.indexOf(m);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) this.sessions.delete(m.sessionId);
    }

    toDeadLetter(m: StoredMessage, reason: string, description: string): void {
        this.remove(m);
        m.deadLetter = { reason, description };
        this.dead.set(m.seq, m);
    }

    /** Forgets ids older than the window (trimmed from the front: insertion order is time order). */
    forgetIdsBefore(cutoff: number): void {
        for (const [id, at] of this.seenIds) {
            if (at >= cutoff) return;
            this.seenIds.delete(id);
        }
    }
}

function comesBefore(a: StoredMessage, b: StoredMessage): boolean {
    return a.visibleAt < b.visibleAt || (a.visibleAt === b.visibleAt && a.seq < b.seq);
}
