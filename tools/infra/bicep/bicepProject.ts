import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { BicepInstance } from './bicepInstance';
import { parseBicep } from './bicepParser';
import type { BicepFile, Expr } from './bicepSyntax';
import type { BicepValue } from './bicepValue';

/** A resource as one module instance declares it, with its body evaluated in that instance. */
export interface ResourceView {
    symbol: string;
    type: string;
    apiVersion: string;
    existing: boolean;
    /** Where it is declared, relative to the project root. */
    file: string;
    line: number;
    /** `false` when an `if (…)` condition is known to be false; `undefined` when only Azure knows. */
    deployed: boolean | undefined;
    /** The body (`name`, `properties`, …); for a `[for …]` resource, the first copy's body. */
    body: BicepValue;
    /** The body as written (inside `if`/`for`), to read syntactically, e.g. with possibleKeys. */
    bodyExpr: Expr;
    /** For a `[for …]` resource: what it loops over (one copy each); undefined otherwise. */
    loopItems?: BicepValue;
    /** The type of the resource named in `scope:` (role assignments, alerts), when it is a resource of this file. */
    scopeType?: string;
    instance: BicepInstance;
}

/**
 * A Bicep deployment read from its entry file: every `module` becomes an instance with the parameters its caller
 * passes, so a value set once in main.bicep can be followed into the resource that uses it. Root parameters come
 * from main.parameters.json (azd's `${VAR}` placeholders stay unresolved) or their defaults.
 */
export class BicepProject {
    readonly #files = new Map<string, BicepFile>();
    readonly root: BicepInstance;

    constructor(
        readonly rootDir: string,
        entry: string,
        rootParameters: Record<string, unknown> = {},
    ) {
        this.root = new BicepInstance(this, resolve(rootDir, entry), undefined, rootParameters);
    }

    static load(rootDir: string, entry = 'infra/main.bicep', parametersFile?: string): BicepProject {
        const params: Record<string, unknown> = {};
        if (parametersFile) {
            const json = JSON.parse(readFileSync(resolve(rootDir, parametersFile), 'utf8')) as {
                parameters?: Record<string, { value?: unknown }>;
            };
            for (const [k, v] of Object.entries(json.parameters ?? {})) params[k] = v.value;
        }
        return new BicepProject(rootDir, entry, params);
    }

    file(absolutePath: string): BicepFile {
        let f = this.#files.get(absolutePath);
        if (!f) {
            f = parseBicep(readFileSync(absolutePath, 'utf8'), relative(this.rootDir, absolutePath));
            this.#files.set(absolutePath, f);
        }
        return f;
    }

    /** Every instance: the entry file and each module call below it. */
    instances(): BicepInstance[] {
        const out: BicepInstance[] = [];
        const visit = (i: BicepInstance) => {
            out.push(i);
            for (const m of i.modules()) visit(m);
        };
        visit(this.root);
        return out;
    }

    resources(type?: string): ResourceView[] {
        return this.instances().flatMap((i) => i.resources(type));
    }
}
