import type { Split } from './costModel';

/** Counts calls of some methods of an object, telling a first call from a repeat of an earlier call's target. */
export class CallTap {
    readonly calls: Split = { first: 0, retry: 0 };
    readonly #seen = new Set<string>();

    /**
     * Wraps `methods` of `target` in place (own properties shadow the prototype's), so every holder of the object
     * is counted. `keyOf` names what a call acts on; a call with a key seen before counts as a retry.
     */
    tap<T extends object>(
        target: T,
        methods: Array<keyof T & string>,
        keyOf: (method: string, args: unknown[]) => string,
    ) {
        for (const name of methods) {
            const original = target[name];
            if (typeof original !== 'function') continue;
            const bound = (original as (...a: unknown[]) => unknown).bind(target);
            Object.defineProperty(target, name, {
                configurable: true,
                writable: true,
                value: (...args: unknown[]) => {
                    this.count(keyOf(name, args));
                    return bound(...args);
                },
            });
        }
    }

    count(key: string): void {
        if (this.#seen.has(key)) this.calls.retry++;
        else {
            this.#seen.add(key);
            this.calls.first++;
        }
    }
}

/**
 * Queue messages sent: transactions are first attempts; control messages (retry, reprocess, drain) and a baseline's
 * retries and re-drives are not.
 */
export class MessageTap {
    readonly messages: Split = { first: 0, retry: 0 };

    tap(queue: { send(messages: Array<{ body: unknown }>): Promise<void> }): void {
        const send = queue.send.bind(queue);
        Object.defineProperty(queue, 'send', {
            configurable: true,
            writable: true,
            value: async (messages: Array<{ body: unknown }>) => {
                await send(messages);
                // Counted once durable: a rejected send was not an operation that moved anything.
                for (const m of messages) {
                    if (
                        typeof m.body === 'object' &&
                        m.body !== null &&
                        ('control' in m.body || 'baselineRetry' in m.body || 'baselineRedrive' in m.body)
                    )
                        this.messages.retry++;
                    else this.messages.first++;
                }
            },
        });
    }
}
