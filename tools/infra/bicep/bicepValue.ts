/** What the reader can know of a Bicep value without Azure: literals and what follows from them, else Unresolved. */
export type BicepValue = string | number | boolean | null | BicepValue[] | { [key: string]: BicepValue } | Unresolved;

/** A value only Azure knows at deployment (a resource id, uniqueString(…), an endpoint): carries why. */
export class Unresolved {
    constructor(readonly reason: string) {}
}

export function isUnresolved(v: unknown): v is Unresolved {
    return v instanceof Unresolved;
}

export function isObjectValue(v: BicepValue | undefined): v is { [key: string]: BicepValue } {
    return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Unresolved);
}

/** A property path of an evaluated value, e.g. `['properties', 'maxDeliveryCount']`; array items by index. */
export function valueAt(v: BicepValue | undefined, path: readonly string[]): BicepValue | undefined {
    let cur = v;
    for (const key of path) {
        if (Array.isArray(cur) && /^\d+$/.test(key)) cur = cur[Number(key)];
        else if (isObjectValue(cur)) cur = cur[key];
        else return undefined;
    }
    return cur;
}
