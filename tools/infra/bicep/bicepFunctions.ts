import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type BicepValue, isObjectValue, isUnresolved, Unresolved } from './bicepValue';

/** The Bicep functions whose result follows from their arguments; the rest (uniqueString, guid, …) are Azure's. */
export function callFunction(name: string, args: BicepValue[], file: string): BicepValue {
    const unresolved = args.find(isUnresolved);
    const a0 = args[0];
    switch (name) {
        case 'loadJsonContent':
        case 'loadTextContent': {
            if (typeof a0 !== 'string') return new Unresolved(`${name} of a computed path`);
            const text = readFileSync(resolve(dirname(file), a0), 'utf8');
            return name === 'loadTextContent' ? text : (JSON.parse(text) as BicepValue);
        }
        case 'string':
            if (unresolved) return unresolved;
            return typeof a0 === 'string' ? a0 : JSON.stringify(a0);
        case 'int':
            if (unresolved) return unresolved;
            return Number.parseInt(String(a0), 10);
        case 'bool':
            if (unresolved) return unresolved;
            return a0 === true || a0 === 'true';
        case 'toLower':
        case 'toUpper':
            if (typeof a0 !== 'string') return unresolved ?? new Unresolved(`${name} of a non-string`);
            return name === 'toLower' ? a0.toLowerCase() : a0.toUpperCase();
        case 'empty':
            if (unresolved) return unresolved;
            if (a0 === null || a0 === '') return true;
            if (Array.isArray(a0)) return a0.length === 0;
            return isObjectValue(a0) ? Object.keys(a0).length === 0 : false;
        case 'length':
            if (typeof a0 === 'string' || Array.isArray(a0)) return a0.length;
            return isObjectValue(a0) ? Object.keys(a0).length : (unresolved ?? new Unresolved('length'));
        case 'concat':
            if (unresolved) return unresolved;
            if (args.every(Array.isArray)) return (args as BicepValue[][]).flat();
            return args.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('');
        case 'union': {
            // Objects: later keys win, like Bicep. An argument only Azure knows is left out (its keys are unknown).
            const out: Record<string, BicepValue> = {};
            for (const v of args) if (isObjectValue(v)) Object.assign(out, v);
            return out;
        }
        case 'contains':
            if (unresolved) return unresolved;
            if (typeof a0 === 'string') return a0.includes(String(args[1]));
            if (Array.isArray(a0)) return a0.some((v) => JSON.stringify(v) === JSON.stringify(args[1]));
            return isObjectValue(a0) ? String(args[1]) in a0 : false;
        case 'tenant':
        case 'subscription':
        case 'resourceGroup':
        case 'environment':
        case 'deployer':
            // The deployment's context: only Azure knows it, like a resource's id.
            return new Unresolved(`${name}() (known after deployment)`);
        default:
            return new Unresolved(`${name}(…)`);
    }
}
