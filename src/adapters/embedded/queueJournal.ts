import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Append-only journal (JSON lines) with group commit: every line appended in the same tick shares one write and
 * one fdatasync, so a launch spike costs a few syncs per batch instead of one per message. A torn last line
 * (crash mid-write) is skipped on replay.
 */
export class QueueJournal<Line> {
    #handle: FileHandle;
    #pending: string[] = [];
    #waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
    #flushing: Promise<void> | undefined;
    #scheduled = false;
    #closed = false;
    #lines = 0;
    /** The file ends mid-line (a torn write): the next write starts with a newline so it cannot glue onto the fragment. */
    #tornTail = false;

    private constructor(
        readonly path: string,
        handle: FileHandle,
    ) {
        this.#handle = handle;
    }

    /** Reads every intact line, then opens the file for appending. */
    static async open<Line>(directory: string, name: string): Promise<{ journal: QueueJournal<Line>; lines: Line[] }> {
        mkdirSync(directory, { recursive: true });
        const path = join(directory, name);
        const lines: Line[] = [];
        let text = '';
        try {
            text = readFileSync(path, 'utf8');
        } catch {
            // First start: no journal yet.
        }
        for (const raw of text.split('\n')) {
            if (!raw.trim()) continue;
            try {
                lines.push(JSON.parse(raw) as Line);
            } catch {
                // A torn line from a crash mid-append: the write was never acknowledged, so nothing is lost.
            }
        }
        const journal = new QueueJournal<Line>(path, await open(path, 'a'));
        journal.#lines = lines.length;
        journal.#tornTail = text.length > 0 && !text.endsWith('\n');
        return { journal, lines };
    }

    get lineCount(): number {
        return this.#lines;
    }

    /** Resolves once the line is on disk. */
    append(line: Line): Promise<void> {
        if (this.#closed) return Promise.reject(new Error('queue journal is closed'));
        this.#pending.push(`${JSON.stringify(line)}\n`);
        this.#lines++;
        const done = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
        this.#schedule();
        return done;
    }

    /** Replaces the journal with these lines (compaction), atomically via rename. */
    async rewrite(lines: Line[]): Promise<void> {
        await this.flush();
        const tmp = `${this.path}.compact`;
        writeFileSync(tmp, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
        const fresh = await open(tmp, 'r+');
        await fresh.datasync();
        await fresh.close();
        await this.#handle.close();
        renameSync(tmp, this.path);
        this.#handle = await open(this.path, 'a');
        this.#lines = lines.length;
        this.#tornTail = false;
    }

    async flush(): Promise<void> {
        while (this.#flushing || this.#pending.length > 0) {
            if (this.#flushing) await this.#flushing;
            else await this.#flushNow();
        }
    }

    async close(): Promise<void> {
        await this.flush();
        this.#closed = true;
        await this.#handle.close();
    }

    #schedule(): void {
        if (this.#scheduled) return;
        this.#scheduled = true;
        setImmediate(() => {
            this.#scheduled = false;
            if (!this.#flushing) void this.#flushNow();
        });
    }

    #flushNow(): Promise<void> {
        const lines = (this.#tornTail ? '\n' : '') + this.#pending.join('');
        this.#tornTail = false;
        const waiters = this.#waiters;
        this.#pending = [];
        this.#waiters = [];
        this.#flushing = (async () => {
            try {
                await this.#handle.write(lines);
                await this.#handle.datasync();
                for (const w of waiters) w.resolve();
            } catch (e) {
                for (const w of waiters) w.reject(e);
            } finally {
                this.#flushing = undefined;
                if (this.#pending.length > 0) this.#schedule();
            }
        })();
        return this.#flushing;
    }
}
