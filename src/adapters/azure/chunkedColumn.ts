/**
 * Table Storage holds at most 64 KiB (32 K UTF-16 code units) in one string property but 1 MiB per entity, so a
 * long JSON document is spread over columns `name`, `name_1`, `name_2`, ... and joined again on read.
 */
const partChars = 30_000;

export function toChunkedColumns(name: string, text: string): Record<string, string> {
    const columns: Record<string, string> = {};
    let part = 0;
    for (let start = 0; start < text.length || part === 0; part++) {
        let end = Math.min(start + partChars, text.length);
        // A surrogate pair split over two properties would not survive the service's UTF-8 encoding.
        if (end < text.length && /[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end--;
        columns[part === 0 ? name : `${name}_${part}`] = text.slice(start, end);
        start = end;
    }
    return columns;
}

export function fromChunkedColumns(entity: Record<string, unknown>, name: string): string | undefined {
    const first = entity[name];
    if (typeof first !== 'string') return undefined;
    let text = first;
    for (let part = 1; typeof entity[`${name}_${part}`] === 'string'; part++) text += entity[`${name}_${part}`];
    return text;
}
