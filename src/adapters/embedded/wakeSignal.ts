/** Wakes every waiter at once when the queue changes, so waiting receivers react to a send without busy-polling. */
export class WakeSignal {
    #waiters: Array<() => void> = [];

    signal(): void {
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const wake of waiters) wake();
    }

    /** Resolves on the next signal, or after `ms` at the latest. */
    wait(ms: number): Promise<void> {
        return new Promise<void>((resolve) => {
            const wake = () => {
                clearTimeout(timer);
                resolve();
            };
            const timer = setTimeout(() => {
                this.#waiters = this.#waiters.filter((w) => w !== wake);
                resolve();
            }, ms);
            this.#waiters.push(wake);
        });
    }
}
