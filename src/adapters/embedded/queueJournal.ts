import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';

interface Pending {
    text: string;
    /** Runs synchronously right after the fsync, before any other code can observe the journal. */
    onDurable: (() => void) | undefined;
    resolve: () => void;
    reject: (e: unknown) => void;
}

/**
 * Append-only journal of JSON lines with group commit: every line appended in the same tick shares one write and
 * one fdatasync, so a launch spike costs one sync per batch instead of one per message. A torn last line (crash
 * mid-write) is skipped on replay, and the next write starts on a fresh line so it cannot glue onto the fragment.
 */
export class QueueJournal<Line> {
    #handle: FileHandle;
    #pending: Pending[] = [];
    #flushing: Promise<void> | undefined;
    #rewriting: Promise<void> | undefined;
    #scheduled = false;
    #closed = false;
    /** The file may end mid-line (torn tail, failed write): the next write starts with a newline. */
    #tornTail: boolean;
    #linesSinceRewrite: number;
    #flushes = 0;

    private constructor(
        readonly path: string,
        handle: FileHandle,
        lines: number,
        tornTail: boolean,
    ) {
        this.#handle = handle;
        this.#linesSinceRewrite = lines;
        this.#tornTail = tornTail;
    }

    /** Reads every intact line, then opens the file for appending. */
    static async open<Line>(directory: string, name: string): Promise<{ journal: QueueJournal<Line>; lines: Line[] }> {
        await mkdir(directory, { recursive: true });
        const path = join(directory, name);
        const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
            if (e.code === 'ENOENT') return '';
            throw e;
        });
        const lines: Line[] = [];
        for (const raw of text.split('\n')) {
            if (!raw.trim()) continue;
            try {
                lines.push(JSON.parse(raw) as Line);
            } catch {
                // A torn line from a crash mid-append: its write was never acknowledged, so nothing is lost.
            }
        }
        const handle = await open(path, 'a');
        await syncDirectory(directory);
        const journal = new QueueJournal<Line>(path, handle, lines.length, text.length > 0 && !text.endsWith('\n'));
        return { journal, lines };
    }

    get linesSinceRewrite(): number {
        return this.#linesSinceRewrite;
    }

    /** How many write+fsync rounds have run (group commit keeps this far below the number of lines). */
    get flushes(): number {
        return this.#flushes;
    }

    /** Resolves once the line is on disk; `onDurable` runs at that moment, synchronously. */
    append(line: Line, onDurable?: () => void): Promise<void> {
        if (this.#closed) return Promise.reject(new Error('the queue journal is closed'));
        return new Promise<void>((resolve, reject) => {
            this.#pending.push({ text: `${JSON.stringify(line)}\n`, onDurable, resolve, reject });
            this.#linesSinceRewrite++;
            this.#schedule();
        });
    }

    /**
     * Replaces the journal with `snapshot()` (compaction), atomically via rename. Appends are held back meanwhile and
     * land in the new file, so the snapshot, taken once no write is in flight, plus those lines is the whole state.
     */
    rewrite(snapshot: () => Line[]): Promise<void> {
        if (this.#closed) return Promise.reject(new Error('the queue journal is closed'));
        this.#rewriting ??= this.#rewriteNow(snapshot).finally(() => {
            this.#rewriting = undefined;
            if (this.#pending.length > 0) this.#schedule();
        });
        return this.#rewriting;
    }

    /** Writes what is pending, then closes the file. */
    async close(): Promise<void> {
        if (this.#closed) return;
        if (this.#rewriting) await this.#rewriting.catch(() => undefined);
        while (this.#flushing || this.#pending.length > 0) {
            if (this.#flushing) await this.#flushing;
            else await this.#flushNow();
        }
        this.#closed = true;
        await this.#handle.close();
    }

    async #rewriteNow(snapshot: () => Line[]): Promise<void> {
        if (this.#flushing) await this.#flushing;
        // Serialized at once: the state the snapshot reads keeps changing while the file is written.
        const lines = snapshot();
        const text = lines.map((l) => `${JSON.stringify(l)}\n`).join('');
        const tmp = `${this.path}.compact`;
        const fresh = await open(tmp, 'w');
        try {
            await fresh.writeFile(text);
            await fresh.datasync();
        } finally {
            await fresh.close();
        }
        // Closed before the rename: Windows cannot replace a file that is open.
        await this.#handle.close();
        try {
            await rename(tmp, this.path);
            await syncDirectory(dirname(this.path));
            this.#linesSinceRewrite = lines.length + this.#pending.length;
            this.#tornTail = false;
        } finally {
            this.#handle = await open(this.path, 'a');
        }
    }

    #schedule(): void {
        if (this.#scheduled || this.#rewriting) return;
        this.#scheduled = true;
        setImmediate(() => {
            this.#scheduled = false;
            if (!this.#flushing && !this.#rewriting && this.#pending.length > 0) void this.#flushNow();
        });
    }

    #flushNow(): Promise<void> {
        const batch = this.#pending;
        this.#pending = [];
        const text = (this.#tornTail ? '\n' : '') + batch.map((p) => p.text).join('');
        this.#flushes++;
        this.#flushing = (async () => {
            try {
                await this.#handle.write(text);
                await this.#handle.datasync();
            } catch (e) {
                this.#tornTail = true;
                for (const p of batch) p.reject(e);
                return;
            } finally {
                this.#flushing = undefined;
                if (this.#pending.length > 0) this.#schedule();
            }
            this.#tornTail = false;
            for (const p of batch) p.onDurable?.();
            for (const p of batch) p.resolve();
        })();
        return this.#flushing;
    }
}

/** Makes a create or rename durable; where directories cannot be opened (Windows) this is a no-op. */
async function syncDirectory(directory: string): Promise<void> {
    try {
        const dir = await open(directory, 'r');
        try {
            await dir.sync();
        } finally {
            await dir.close();
        }
    } catch {
        // NTFS journals the rename itself.
    }
}
