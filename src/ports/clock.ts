/** Time and randomness are ports too, so every rule is testable without timers. */
export interface Clock {
    now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
