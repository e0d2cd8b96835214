/** Rows per second, table and percentage on long runs, at most once per `everyMs` (stderr in the CLI). */
export interface Progress {
    start(phase: string, table: string, total: number, done?: number): void;
    tick(rows?: number): void;
    finish(): void;
}

export const silentProgress: Progress = { start() {}, tick() {}, finish() {} };

export function lineProgress(write: (line: string) => void, everyMs = 1000, now = () => Date.now()): Progress {
    let phase = '';
    let table = '';
    let total = 0;
    let done = 0;
    let startedAt = 0;
    let startDone = 0;
    let lastAt = 0;
    const line = () => {
        const seconds = Math.max((now() - startedAt) / 1000, 0.001);
        const rate = Math.round((done - startDone) / seconds);
        const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
        write(`[${phase}] ${table} ${done}/${total} (${pct}%) ${rate} rows/s`);
    };
    return {
        start(p, t, n, already = 0) {
            phase = p;
            table = t;
            total = n;
            done = already;
            startDone = already;
            startedAt = now();
            lastAt = startedAt;
        },
        tick(rows = 1) {
            done += rows;
            if (now() - lastAt >= everyMs) {
                lastAt = now();
                line();
            }
        },
        finish() {
            line();
        },
    };
}
