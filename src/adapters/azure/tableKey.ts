/**
 * PartitionKey and RowKey forbid `/ \ # ?` and control characters (U+0000–U+001F, U+007F–U+009F). Those, and `%`
 * (so the escape is reversible), become `%XX`; every other character stays as is, so keys stay readable in
 * Storage Explorer and ids that need no escaping (GUIDs, transaction ids) are stored unchanged.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point here
const unsafe = /[/\\#?%\u0000-\u001f\u007f-\u009f]/g;

export function encodeTableKey(value: string): string {
    return value.replace(unsafe, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export function decodeTableKey(key: string): string {
    return key.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}
