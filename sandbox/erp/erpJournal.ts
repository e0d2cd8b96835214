import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { PeriodStatus, Resource } from './erpBooks';

export type JournalLine =
    /** An applied write; `key` is the Idempotency-Key it carried, if any. */
    | {
          kind: 'write';
          resource: Resource;
          reference: string;
          key?: string;
          body: Record<string, unknown>;
          at: string;
      }
    | { kind: 'period'; period: string; status: PeriodStatus }
    /** Commission claims put on payout hold by a rejected claim (the rejection itself is not a write). */
    | { kind: 'holds'; claims: string[] }
    /** A record removed through the sandbox control route (a lost posting, for reconciliation drills). */
    | { kind: 'remove'; resource: Resource; reference: string }
    | { kind: 'reset' };

/**
 * The sandbox ERP's durable record: one JSON line per accepted change, appended synchronously before the
 * answer goes out, so a kill -9 loses nothing the sandbox acknowledged. Without a file it keeps nothing.
 */
export class ErpJournal {
    readonly #file: string | undefined;

    constructor(file: string | undefined) {
        this.#file = file;
    }

    /** The lines written so far, in order. A torn last line (a crash mid-append) is skipped and fenced off. */
    replay(): JournalLine[] {
        if (!this.#file || !existsSync(this.#file)) return [];
        const text = readFileSync(this.#file, 'utf8');
        // Without this newline the next append would glue onto the torn fragment and be unreadable itself.
        if (text.length > 0 && !text.endsWith('\n')) appendFileSync(this.#file, '\n');
        const lines: JournalLine[] = [];
        for (const raw of text.split('\n')) {
            if (!raw.trim()) continue;
            try {
                lines.push(JSON.parse(raw) as JournalLine);
            } catch {
                // Only the last line can be torn; it was never acknowledged.
            }
        }
        return lines;
    }

    append(line: JournalLine): void {
        if (this.#file) appendFileSync(this.#file, `${JSON.stringify(line)}\n`);
    }
}
