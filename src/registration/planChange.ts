/** What the plan does to one endpoint, step or image. */
export type Action = 'create' | 'update' | 'delete' | 'unchanged';

/** One column that differs, as shown in the plan. `authvalue` is always shown as `***`. */
export interface FieldChange {
    field: string;
    from: string;
    to: string;
}

export function compare(changes: FieldChange[], field: string, from: unknown, to: unknown): void {
    if (from !== to) changes.push({ field, from: from === null ? '(none)' : String(from), to: String(to) });
}

/** Column lists compare as sets: Dataverse keeps the order it was given, which means nothing. */
export function columnSet(list: string | null): string {
    return (list ?? '')
        .split(',')
        .map((c) => c.trim().toLowerCase())
        .filter(Boolean)
        .sort()
        .join(',');
}
