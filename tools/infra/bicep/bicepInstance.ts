import { dirname, resolve } from 'node:path';
import { callFunction } from './bicepFunctions';
import type { BicepProject, ResourceView } from './bicepProject';
import type { BicepFile, Declaration, Expr } from './bicepSyntax';
import { BicepSyntaxError } from './bicepSyntaxError';
import { type BicepValue, isObjectValue, isUnresolved, Unresolved } from './bicepValue';

type ResourceDecl = Extract<Declaration, { kind: 'resource' }>;
type ModuleDecl = Extract<Declaration, { kind: 'module' }>;

type Caller = { instance: BicepInstance; args: Map<string, Expr> };
type Locals = ReadonlyMap<string, BicepValue>;

class ResourceRef {
    constructor(readonly decl: ResourceDecl) {}
}
class ModuleRef {
    constructor(readonly child: BicepInstance) {}
}
type Internal = BicepValue | ResourceRef | ModuleRef;

/**
 * One instance of a Bicep file: the entry file, or a `module` call with the parameters its caller passes. Evaluates
 * the file's expressions in that instance, following values into child modules and resources.
 */
export class BicepInstance {
    readonly file: BicepFile;
    readonly #byName = new Map<string, Declaration>();
    readonly #varCache = new Map<string, BicepValue>();
    readonly #evaluating = new Set<string>();
    #modules: BicepInstance[] | undefined;
    readonly #moduleBySymbol = new Map<string, BicepInstance>();

    constructor(
        readonly project: BicepProject,
        readonly absolutePath: string,
        readonly caller: Caller | undefined,
        readonly rootParameters: Record<string, unknown>,
    ) {
        this.file = project.file(absolutePath);
        for (const d of this.file.declarations) {
            // Outputs have their own namespace (`param name` and `output name` may coexist).
            if (d.kind === 'targetScope' || d.kind === 'output' || d.kind === 'extension') continue;
            if (this.#byName.has(d.name)) this.fail(d, `'${d.name}' is declared twice`);
            this.#byName.set(d.name, d);
        }
    }

    get path(): string {
        return this.file.path;
    }

    declaration(name: string): Declaration | undefined {
        return this.#byName.get(name);
    }

    modules(): BicepInstance[] {
        if (!this.#modules) {
            this.#modules = [];
            for (const d of this.file.declarations) {
                if (d.kind !== 'module') continue;
                const child = this.instantiate(d);
                this.#modules.push(child);
                this.#moduleBySymbol.set(d.name, child);
            }
        }
        return this.#modules;
    }

    resources(type?: string): ResourceView[] {
        return this.file.declarations
            .filter((d): d is ResourceDecl => d.kind === 'resource' && (!type || d.type === type))
            .map((d) => {
                const { body, deployed, loopItems } = this.resourceBody(d);
                const scopeType = this.scopeType(d);
                return {
                    bodyExpr: unwrap(d.value),
                    ...(loopItems !== undefined ? { loopItems } : {}),
                    ...(scopeType ? { scopeType } : {}),
                    symbol: d.name,
                    type: d.type,
                    apiVersion: d.apiVersion,
                    existing: d.existing,
                    file: this.path,
                    line: d.line,
                    deployed,
                    body,
                    instance: this,
                };
            });
    }

    /** The value of a parameter in this instance: what the caller passes, else the parameters file, else the default. */
    param(name: string): BicepValue {
        const d = this.#byName.get(name);
        if (d?.kind !== 'param') throw new Error(`${this.path}: no parameter '${name}'`);
        return this.plain(this.lookup(name, new Map(), d));
    }

    output(name: string): BicepValue {
        const d = this.file.declarations.find((o) => o.kind === 'output' && o.name === name);
        if (d?.kind !== 'output') throw new Error(`${this.path}: no output '${name}'`);
        return this.plain(this.eval(d.value, new Map()));
    }

    evaluate(expr: Expr): BicepValue {
        return this.plain(this.eval(expr, new Map()));
    }

    /** How a parameter or variable name is bound here: the expression to follow, in the instance that owns it. */
    binding(name: string): { expr: Expr; instance: BicepInstance } | undefined {
        const d = this.#byName.get(name);
        if (d?.kind === 'var') return { expr: d.value, instance: this };
        if (d?.kind === 'param') {
            const arg = this.caller?.args.get(name);
            if (arg) return { expr: arg, instance: this.caller?.instance as BicepInstance };
            if (d.defaultValue) return { expr: d.defaultValue, instance: this };
        }
        return undefined;
    }

    private instantiate(d: ModuleDecl): BicepInstance {
        const body = d.value.kind === 'if' ? d.value.body : d.value;
        if (body.kind !== 'object') this.fail(d, 'module loops are outside the subset this reader accepts');
        const paramsExpr = body.properties.find((p) => p.key === 'params')?.value;
        const args = new Map<string, Expr>();
        if (paramsExpr) {
            if (paramsExpr.kind !== 'object') this.fail(paramsExpr, 'module params must be an object literal');
            for (const p of paramsExpr.properties) args.set(p.key, p.value);
        }
        const child = new BicepInstance(
            this.project,
            resolve(dirname(this.absolutePath), d.path),
            {
                instance: this,
                args,
            },
            {},
        );
        for (const name of args.keys()) {
            if (child.declaration(name)?.kind !== 'param') {
                this.fail(d, `module ${d.path} has no parameter '${name}'`);
            }
        }
        for (const decl of child.file.declarations) {
            if (decl.kind === 'param' && !decl.defaultValue && !args.has(decl.name)) {
                this.fail(d, `module ${d.path} needs parameter '${decl.name}'`);
            }
        }
        return child;
    }

    private scopeType(d: ResourceDecl): string | undefined {
        const e = unwrap(d.value);
        if (e.kind !== 'object') return undefined;
        const scope = e.properties.find((p) => p.key === 'scope')?.value;
        if (scope?.kind !== 'ident') return undefined;
        const target = this.#byName.get(scope.name);
        return target?.kind === 'resource' ? target.type : undefined;
    }

    private resourceBody(d: ResourceDecl): {
        body: BicepValue;
        deployed: boolean | undefined;
        loopItems?: BicepValue;
    } {
        let expr = d.value;
        let deployed: boolean | undefined = true;
        const locals = new Map<string, BicepValue>();
        if (expr.kind === 'if') {
            const c = this.plain(this.eval(expr.condition, locals));
            deployed = typeof c === 'boolean' ? c : undefined;
            expr = expr.body;
        }
        if (expr.kind === 'for') {
            const source = this.plain(this.eval(expr.source, locals));
            if (!Array.isArray(source) || source.length === 0) {
                return { body: new Unresolved(`loop over ${describe(expr.source)}`), deployed, loopItems: source };
            }
            locals.set(expr.item, source[0] as BicepValue);
            if (expr.index) locals.set(expr.index, 0);
            return { body: this.plain(this.eval(expr.body, locals)), deployed, loopItems: source };
        }
        return { body: this.plain(this.eval(expr, locals)), deployed };
    }

    private plain(v: Internal): BicepValue {
        if (v instanceof ResourceRef) return new Unresolved(`resource ${v.decl.name}`);
        if (v instanceof ModuleRef) return new Unresolved(`module ${v.child.path}`);
        return v;
    }

    private lookup(name: string, locals: Locals, d: Declaration | undefined): Internal {
        if (locals.has(name)) return locals.get(name) as BicepValue;
        if (!d) return new Unresolved(`'${name}' is not declared in ${this.path}`);
        switch (d.kind) {
            case 'param': {
                const arg = this.caller?.args.get(name);
                if (arg) return this.caller?.instance.evaluate(arg) as BicepValue;
                if (name in this.rootParameters) {
                    const v = this.rootParameters[name];
                    // azd substitutes ${AZURE_ENV_NAME}-style placeholders at provisioning time.
                    if (typeof v === 'string' && /\$\{[^}]+\}/.test(v)) return new Unresolved(`azd variable in ${v}`);
                    return v as BicepValue;
                }
                if (d.defaultValue) return this.eval(d.defaultValue, new Map());
                return new Unresolved(`parameter ${name} has no value`);
            }
            case 'var': {
                if (this.#varCache.has(name)) return this.#varCache.get(name) as BicepValue;
                if (this.#evaluating.has(name)) this.fail(d, `variable '${name}' refers to itself`);
                this.#evaluating.add(name);
                const v = this.plain(this.eval(d.value, new Map()));
                this.#evaluating.delete(name);
                this.#varCache.set(name, v);
                return v;
            }
            case 'resource':
                return new ResourceRef(d);
            case 'module':
                this.modules();
                return new ModuleRef(this.#moduleBySymbol.get(name) as BicepInstance);
            default:
                return new Unresolved(`'${name}' cannot be used as a value`);
        }
    }

    private eval(e: Expr, locals: Locals): Internal {
        switch (e.kind) {
            case 'string': {
                let out = '';
                for (const p of e.parts) {
                    if (typeof p === 'string') {
                        out += p;
                        continue;
                    }
                    const v = this.plain(this.eval(p, locals));
                    if (isUnresolved(v)) return v;
                    out += typeof v === 'object' ? JSON.stringify(v) : String(v);
                }
                return out;
            }
            case 'number':
            case 'bool':
                return e.value;
            case 'null':
                return null;
            case 'ident':
                return this.lookup(e.name, locals, this.#byName.get(e.name));
            case 'object': {
                const o: Record<string, BicepValue> = {};
                for (const p of e.properties) {
                    const key = p.keyExpr ? this.plain(this.eval(p.keyExpr, locals)) : p.key;
                    o[typeof key === 'string' ? key : p.key] = this.plain(this.eval(p.value, locals));
                }
                return o;
            }
            case 'array':
                return e.items.map((i) => this.plain(this.eval(i, locals)));
            case 'for': {
                const source = this.plain(this.eval(e.source, locals));
                if (!Array.isArray(source)) return new Unresolved(`loop over ${describe(e.source)}`);
                return source.map((item, index) => {
                    const inner = new Map(locals);
                    inner.set(e.item, item);
                    if (e.index) inner.set(e.index, index);
                    return this.plain(this.eval(e.body, inner));
                });
            }
            case 'if':
                return this.eval(e.body, locals);
            case 'member':
                return this.member(this.eval(e.target, locals), e.name);
            case 'index': {
                const target = this.plain(this.eval(e.target, locals));
                const index = this.plain(this.eval(e.index, locals));
                if (Array.isArray(target) && typeof index === 'number') {
                    return target[index] ?? new Unresolved('index out of range');
                }
                if (isObjectValue(target) && typeof index === 'string') {
                    return target[index] ?? new Unresolved(`no property '${index}'`);
                }
                return new Unresolved(`index into ${describe(e.target)}`);
            }
            case 'unary': {
                const v = this.plain(this.eval(e.operand, locals));
                if (e.op === '!' && typeof v === 'boolean') return !v;
                if (e.op === '-' && typeof v === 'number') return -v;
                return new Unresolved(`${e.op}${describe(e.operand)}`);
            }
            case 'binary':
                return this.binary(e.op, this.plain(this.eval(e.left, locals)), () =>
                    this.plain(this.eval(e.right, locals)),
                );
            case 'ternary': {
                const c = this.plain(this.eval(e.condition, locals));
                if (typeof c !== 'boolean') return new Unresolved(`condition ${describe(e.condition)}`);
                return this.eval(c ? e.whenTrue : e.whenFalse, locals);
            }
            case 'call':
                return callFunction(
                    e.name,
                    e.args.map((a) => this.plain(this.eval(a, locals))),
                    this.absolutePath,
                );
            case 'method':
                return new Unresolved(`${describe(e.target)}.${e.name}()`);
        }
    }

    private member(target: Internal, name: string): Internal {
        if (target instanceof ResourceRef) {
            const { body } = this.resourceBody(target.decl);
            // Known from the declaration: its name. The rest (id, endpoints, properties as Azure returns them) is
            // only known after deployment.
            if (name === 'name') {
                const v = isObjectValue(body) ? body.name : undefined;
                if (v !== undefined) return v;
            }
            return new Unresolved(`${target.decl.name}.${name} (known after deployment)`);
        }
        if (target instanceof ModuleRef) {
            if (name !== 'outputs') return new Unresolved(`module ${target.child.path}.${name}`);
            const outputs: Record<string, BicepValue> = {};
            for (const d of target.child.file.declarations) {
                if (d.kind === 'output') outputs[d.name] = target.child.output(d.name);
            }
            return outputs;
        }
        if (isObjectValue(target)) return target[name] ?? new Unresolved(`no property '${name}'`);
        if (isUnresolved(target)) return target;
        return new Unresolved(`.${name} of a ${typeof target}`);
    }

    private binary(op: string, left: BicepValue, right: () => BicepValue): BicepValue {
        if (op === '&&' && left === false) return false;
        if (op === '||' && left === true) return true;
        if (op === '??') return left === null ? right() : left;
        const r = right();
        if (isUnresolved(left)) return left;
        if (isUnresolved(r)) return r;
        switch (op) {
            case '==':
                return JSON.stringify(left) === JSON.stringify(r);
            case '!=':
                return JSON.stringify(left) !== JSON.stringify(r);
            case '&&':
            case '||':
                return typeof r === 'boolean' ? r : new Unresolved(`${op} on a non-boolean`);
        }
        if (typeof left !== 'number' || typeof r !== 'number') return new Unresolved(`${op} on non-numbers`);
        switch (op) {
            case '<':
                return left < r;
            case '<=':
                return left <= r;
            case '>':
                return left > r;
            case '>=':
                return left >= r;
            case '+':
                return left + r;
            case '-':
                return left - r;
            case '*':
                return left * r;
            case '/':
                return Math.trunc(left / r);
            default:
                return left % r;
        }
    }

    private fail(at: { line: number; column: number }, reason: string): never {
        throw new BicepSyntaxError(this.path, at.line, at.column, reason);
    }
}

/** A resource body inside its `if (…)` and `[for …]`. */
function unwrap(e: Expr): Expr {
    let body = e;
    while (body.kind === 'if' || body.kind === 'for') body = body.body;
    return body;
}

function describe(e: Expr): string {
    switch (e.kind) {
        case 'ident':
            return e.name;
        case 'member':
            return `${describe(e.target)}.${e.name}`;
        case 'call':
            return `${e.name}(…)`;
        default:
            return e.kind;
    }
}
