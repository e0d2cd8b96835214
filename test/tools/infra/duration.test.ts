import { describe, expect, it } from 'vitest';
import { isoDurationMs, timeSpanMs } from '../../../tools/infra/duration';

describe('durations', () => {
    it.each([
        ['PT1M', 60_000],
        ['PT30S', 30_000],
        ['P14D', 14 * 86_400_000],
        ['P1DT2H', 26 * 3_600_000],
        ['PT0.5S', 500],
    ])('ISO 8601 %s', (text, ms) => expect(isoDurationMs(text)).toBe(ms));

    it.each(['', 'P', 'PT', '1M', 'PT1X', 'P1W'])('refuses ISO %j', (text) => {
        expect(() => isoDurationMs(text)).toThrow(/not an ISO 8601 duration/);
    });

    it.each([
        ['00:05:00', 300_000],
        ['00:00:02', 2_000],
        ['1.00:00:00', 86_400_000],
        ['00:00:01.5', 1_500],
    ])('TimeSpan %s', (text, ms) => expect(timeSpanMs(text)).toBe(ms));

    it.each(['5:00', '00:60:00', 'PT5M', ''])('refuses TimeSpan %j', (text) => {
        expect(() => timeSpanMs(text)).toThrow(/not a TimeSpan/);
    });
});
