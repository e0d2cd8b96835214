/**
 * Virtual time for code that sleeps through an injected `sleep` and reads an injected `now`: nothing moves until
 * `runUntil`, which wakes the sleepers in time order, letting everything a wake-up sets off run before the clock moves
 * on. `wakeLate` delays chosen wake-ups (a busy event loop), deterministically.
 */
export class VirtualTime {
    now = 0;
    readonly #timers: Array<{ at: number; seq: number; wake: () => void }> = [];
    #seq = 0;

    constructor(
        start = 0,
        private readonly wakeLate: (seq: number) => number = () => 0,
    ) {
        this.now = start;
    }

    readonly clock = () => this.now;

    readonly sleep = (ms: number): Promise<void> =>
        new Promise<void>((wake) => {
            const seq = this.#seq++;
            this.#timers.push({ at: this.now + Math.max(0, ms) + this.wakeLate(seq), seq, wake });
        });

    /** Runs every wake-up due up to `t`, in order, then sets the clock to `t`. */
    async runUntil(t: number): Promise<void> {
        for (;;) {
            await settle();
            this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
            const next = this.#timers[0];
            if (!next || next.at > t) break;
            this.#timers.shift();
            this.now = Math.max(this.now, next.at);
            next.wake();
        }
        this.now = Math.max(this.now, t);
        await settle();
    }
}

/** Lets every promise already on its way settle (a macrotask runs only once the microtask queue is empty). */
async function settle(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}
