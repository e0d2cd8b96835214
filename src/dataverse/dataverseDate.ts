/**
 * The DateTime wire form of DataContractJsonSerializer: `/Date(ms)/` or `/Date(ms+hhmm)/`.
 * `ms` is always UTC milliseconds since the Unix epoch; the suffix only records the writer's local offset,
 * so it is validated and then ignored (adding it again would shift the instant).
 * On the wire the slashes are escaped (`\/Date(...)\/`); JSON.parse removes the backslashes, but a
 * double-encoded value may keep them, so they are tolerated.
 */
const dataverseDatePattern = /^\\?\/Date\((-?\d+)([+-]\d{4})?\)\\?\/$/;

/** ECMAScript's Date range: ±100,000,000 days around the epoch. */
const maxEpochMs = 8.64e15;

/** The instant a `/Date(ms[+-]hhmm)/` string denotes, or undefined when the string is not one. */
export function parseDataverseDate(s: string): Date | undefined {
    const match = dataverseDatePattern.exec(s);
    if (!match) return undefined;
    const [, msText, offset] = match;
    const ms = Number(msText);
    if (!Number.isSafeInteger(ms) || Math.abs(ms) > maxEpochMs) return undefined;
    if (offset !== undefined && !isValidOffset(offset)) return undefined;
    return new Date(ms);
}

/** True when the string has the `/Date(...)/` shape (whether or not the instant is in range). */
export function looksLikeDataverseDate(s: string): boolean {
    return dataverseDatePattern.test(s);
}

/** The `/Date(ms)/` form Dataverse writes for attribute values (UTC, no offset suffix). */
export function formatDataverseDate(d: Date): string {
    const ms = d.getTime();
    if (Number.isNaN(ms)) throw new RangeError('Cannot format an invalid Date as a Dataverse date');
    return `/Date(${ms})/`;
}

function isValidOffset(offset: string): boolean {
    const hours = Number(offset.slice(1, 3));
    const minutes = Number(offset.slice(3, 5));
    return hours <= 14 && minutes < 60;
}
