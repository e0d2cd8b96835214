import { type Notice, type NoticeStore, openNoticeStates } from '../../ports/noticeStore';

export class MemoryNoticeStore implements NoticeStore {
    readonly #notices = new Map<string, Notice>();

    async create(notice: Notice): Promise<'created' | 'exists'> {
        if (this.#notices.has(notice.key)) return 'exists';
        this.#notices.set(notice.key, structuredClone(notice));
        return 'created';
    }

    async get(key: string): Promise<Notice | undefined> {
        const n = this.#notices.get(key);
        return n && structuredClone(n);
    }

    async replace(next: Notice, expectedVersion: number): Promise<boolean> {
        const current = this.#notices.get(next.key);
        if (!current || current.version !== expectedVersion) return false;
        this.#notices.set(next.key, { ...structuredClone(next), version: expectedVersion + 1 });
        return true;
    }

    async list(options: { openOnly?: boolean; max: number }): Promise<Notice[]> {
        return [...this.#notices.values()]
            .filter((n) => !options.openOnly || openNoticeStates.has(n.state))
            .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.key.localeCompare(b.key))
            .slice(0, options.max)
            .map((n) => structuredClone(n));
    }
}
