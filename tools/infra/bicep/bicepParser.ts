import { lexBicep, type Token } from './bicepLexer';
import type { BicepFile, Declaration, Decorator, Expr, Property } from './bicepSyntax';
import { BicepSyntaxError } from './bicepSyntaxError';

/** The extensions the reader knows, with the API versions their resource types are written with. */
const extensions: Record<string, { namespace: string; versions: string[] }> = {
    // The Microsoft Graph Bicep extension: Entra app registrations, service principals, federated credentials.
    microsoftGraphV1: { namespace: 'Microsoft.Graph', versions: ['v1.0'] },
};

/**
 * A strict reader for the Bicep subset this project writes: `targetScope`, `extension microsoftGraphV1` (then
 * `Microsoft.Graph/…@v1.0` resource types), `param`, `var`, `resource` (with
 * `existing`, `= if (…)` and `= [for …]`), `module`, `output`, decorators, and expressions (literals, interpolated
 * and multi-line strings, objects, arrays, calls, member and index access incl. `.?` and `[?…]`, unary, binary, ternary).
 * Anything else (`type`, `func`, `import`, nested child resources, lambdas) is refused with its position rather than
 * skipped: there is no Bicep CLI here, so what this reader accepts is what the tests see. `az bicep build` in CI
 * remains the authority on the full language.
 */
export function parseBicep(source: string, path: string): BicepFile {
    return { path, declarations: new Parser(lexBicep(source, path), path).declarations() };
}

const BINARY_PRECEDENCE: Record<string, number> = {
    '??': 1,
    '||': 2,
    '&&': 3,
    '==': 4,
    '!=': 4,
    '<': 5,
    '<=': 5,
    '>': 5,
    '>=': 5,
    '+': 6,
    '-': 6,
    '*': 7,
    '/': 7,
    '%': 7,
};

class Parser {
    #at = 0;
    /** Inside parentheses line breaks are not separators. */
    #parenDepth = 0;
    /** API versions of the extensions declared so far, by namespace (`Microsoft.Graph` → `v1.0`). */
    readonly #extensionVersions = new Map<string, string[]>();

    constructor(
        private readonly tokens: Token[],
        private readonly path: string,
    ) {}

    declarations(): Declaration[] {
        const out: Declaration[] = [];
        this.skipNewlines();
        while (this.peek().kind !== 'eof') {
            out.push(this.declaration());
            this.endOfLine();
            this.skipNewlines();
        }
        return out;
    }

    /** One expression and nothing after it (used for interpolations). */
    wholeExpression(): Expr {
        this.#parenDepth++;
        const e = this.expression();
        this.#parenDepth--;
        if (this.peek().kind !== 'eof') this.fail(this.peek(), 'unexpected text after the interpolated expression');
        return e;
    }

    private declaration(): Declaration {
        const decorators: Decorator[] = [];
        while (this.isPunct('@')) {
            const at = this.next();
            const name = this.identText();
            this.expectPunct('(');
            const args = this.arguments();
            decorators.push({ name, args, line: at.line, column: at.column });
            this.skipNewlines();
        }
        const keyword = this.next();
        if (keyword.kind !== 'ident') return this.fail(keyword, 'expected a declaration keyword');
        const pos = { line: keyword.line, column: keyword.column, decorators };
        switch (keyword.text) {
            case 'targetScope':
                this.expectPunct('=');
                return { kind: 'targetScope', value: this.expression(), ...pos };
            case 'extension': {
                const nameToken = this.peek();
                const name = this.identText();
                const known = extensions[name];
                if (!known) {
                    const list = Object.keys(extensions).join(', ');
                    return this.fail(
                        nameToken,
                        `extension '${name}' is outside the subset this reader accepts (${list})`,
                    );
                }
                this.#extensionVersions.set(known.namespace, known.versions);
                return { kind: 'extension', name, ...pos };
            }
            case 'param': {
                const name = this.identText();
                const type = this.typeName();
                let defaultValue: Expr | undefined;
                if (this.isPunct('=')) {
                    this.next();
                    defaultValue = this.expression();
                }
                return { kind: 'param', name, type, ...(defaultValue ? { defaultValue } : {}), ...pos };
            }
            case 'var': {
                const name = this.identText();
                this.expectPunct('=');
                return { kind: 'var', name, value: this.expression(), ...pos };
            }
            case 'output': {
                const name = this.identText();
                const type = this.typeName();
                this.expectPunct('=');
                return { kind: 'output', name, type, value: this.expression(), ...pos };
            }
            case 'resource': {
                const name = this.identText();
                const typeToken = this.next();
                const typeText = this.plainString(typeToken, 'a resource type');
                const m =
                    /^([A-Za-z0-9.]+\/[A-Za-z0-9/]+)@(\d{4}-\d{2}-\d{2}(-preview)?)$/.exec(typeText) ??
                    this.extensionType(typeText);
                if (!m)
                    return this.fail(typeToken, `resource type must be 'Namespace/type@yyyy-mm-dd', not '${typeText}'`);
                const existing = this.peek().kind === 'ident' && (this.peek() as { text: string }).text === 'existing';
                if (existing) this.next();
                this.expectPunct('=');
                const value = this.resourceBody();
                return {
                    kind: 'resource',
                    name,
                    type: m[1] as string,
                    apiVersion: m[2] as string,
                    existing,
                    value,
                    ...pos,
                };
            }
            case 'module': {
                const name = this.identText();
                const pathToken = this.next();
                const path = this.plainString(pathToken, 'a module path');
                if (!path.startsWith('./') && !path.startsWith('../')) {
                    return this.fail(pathToken, `only local modules are read ('./…'), not '${path}'`);
                }
                this.expectPunct('=');
                return { kind: 'module', name, path, value: this.resourceBody(), ...pos };
            }
            default:
                return this.fail(keyword, `'${keyword.text}' declarations are outside the subset this reader accepts`);
        }
    }

    /** `Microsoft.Graph/applications@v1.0`, once the file has declared the extension of that namespace. */
    private extensionType(typeText: string): RegExpExecArray | null {
        const m = /^(([A-Za-z0-9.]+)\/[A-Za-z0-9/]+)@([A-Za-z0-9.]+)$/.exec(typeText);
        const versions = m ? this.#extensionVersions.get(m[2] as string) : undefined;
        if (!m || !versions?.includes(m[3] as string)) return null;
        return /^([^@]+)@(.+)$/.exec(typeText);
    }

    /** `{…}`, `if (cond) {…}` or `[for x in y: {…}]`. */
    private resourceBody(): Expr {
        const t = this.peek();
        if (t.kind === 'ident' && t.text === 'if') {
            this.next();
            this.expectPunct('(');
            this.#parenDepth++;
            const condition = this.expression();
            this.#parenDepth--;
            this.expectPunct(')');
            return { kind: 'if', condition, body: this.object(), line: t.line, column: t.column };
        }
        if (this.isPunct('[')) return this.array();
        return this.object();
    }

    private typeName(): string {
        let type = this.identText();
        if (this.isPunct('[')) {
            this.next();
            this.expectPunct(']');
            type += '[]';
        }
        return type;
    }

    private expression(): Expr {
        const condition = this.binary(0);
        if (!this.isPunct('?')) return condition;
        this.next();
        const whenTrue = this.expression();
        this.expectPunct(':');
        const whenFalse = this.expression();
        return { kind: 'ternary', condition, whenTrue, whenFalse, line: condition.line, column: condition.column };
    }

    private binary(minPrecedence: number): Expr {
        let left = this.unary();
        for (;;) {
            const t = this.peek();
            const precedence = t.kind === 'punct' ? BINARY_PRECEDENCE[t.text] : undefined;
            if (precedence === undefined || precedence <= minPrecedence) return left;
            this.next();
            const right = this.binary(precedence);
            left = {
                kind: 'binary',
                op: (t as { text: string }).text,
                left,
                right,
                line: left.line,
                column: left.column,
            };
        }
    }

    private unary(): Expr {
        const t = this.peek();
        if (t.kind === 'punct' && (t.text === '!' || t.text === '-')) {
            this.next();
            return { kind: 'unary', op: t.text, operand: this.unary(), line: t.line, column: t.column };
        }
        return this.postfix(this.primary());
    }

    private postfix(target: Expr): Expr {
        for (;;) {
            const t = this.peek();
            if (t.kind !== 'punct') return target;
            const pos = { line: target.line, column: target.column };
            if (t.text === '.') {
                this.next();
                // `.?name` is Bicep's safe dereference.
                const safe = this.isPunct('?');
                if (safe) this.next();
                const name = this.identText();
                if (this.isPunct('(')) {
                    this.next();
                    if (target.kind === 'ident' && !safe && (target.name === 'sys' || target.name === 'az')) {
                        target = { kind: 'call', namespace: target.name, name, args: this.arguments(), ...pos };
                    } else {
                        target = { kind: 'method', target, name, args: this.arguments(), ...pos };
                    }
                } else {
                    target = { kind: 'member', target, name, safe, ...pos };
                }
            } else if (t.text === '[') {
                this.next();
                // `[?index]` is Bicep's safe index.
                const safe = this.isPunct('?');
                if (safe) this.next();
                this.#parenDepth++;
                const index = this.expression();
                this.#parenDepth--;
                this.expectPunct(']');
                target = { kind: 'index', target, index, safe, ...pos };
            } else if (t.text === '!') {
                // Non-null assertion: no effect on values.
                this.next();
            } else {
                return target;
            }
        }
    }

    private primary(): Expr {
        const t = this.peek();
        const pos = { line: t.line, column: t.column };
        switch (t.kind) {
            case 'number':
                this.next();
                return { kind: 'number', value: t.value, ...pos };
            case 'string':
                this.next();
                return {
                    kind: 'string',
                    parts: t.parts.map((p) =>
                        'text' in p
                            ? p.text
                            : new Parser(lexBicep(p.source, this.path, p.line, p.column), this.path).wholeExpression(),
                    ),
                    ...pos,
                };
            case 'ident': {
                this.next();
                if (t.text === 'true' || t.text === 'false') return { kind: 'bool', value: t.text === 'true', ...pos };
                if (t.text === 'null') return { kind: 'null', ...pos };
                if (this.isPunct('(')) {
                    this.next();
                    return { kind: 'call', name: t.text, args: this.arguments(), ...pos };
                }
                if (this.isPunct('=>')) return this.fail(t, 'lambdas are outside the subset this reader accepts');
                return { kind: 'ident', name: t.text, ...pos };
            }
            case 'punct':
                if (t.text === '{') return this.object();
                if (t.text === '[') return this.array();
                if (t.text === '(') {
                    this.next();
                    this.#parenDepth++;
                    this.skipNewlines();
                    const e = this.expression();
                    this.skipNewlines();
                    this.#parenDepth--;
                    this.expectPunct(')');
                    return e;
                }
                return this.fail(t, `unexpected '${t.text}'`);
            default:
                return this.fail(t, 'expected an expression');
        }
    }

    /** After `(`: comma-separated arguments up to `)`; line breaks allowed. */
    private arguments(): Expr[] {
        const args: Expr[] = [];
        this.#parenDepth++;
        this.skipNewlines();
        while (!this.isPunct(')')) {
            args.push(this.expression());
            this.skipNewlines();
            if (this.isPunct(',')) {
                this.next();
                this.skipNewlines();
            } else if (!this.isPunct(')')) {
                this.fail(this.peek(), "expected ',' or ')'");
            }
        }
        this.next();
        this.#parenDepth--;
        return args;
    }

    private object(): Expr {
        const open = this.expectPunct('{');
        const saved = this.#parenDepth;
        this.#parenDepth = 0;
        const properties: Property[] = [];
        const seen = new Set<string>();
        this.skipNewlines();
        while (!this.isPunct('}')) {
            const k = this.next();
            let key: string;
            let keyExpr: Expr | undefined;
            if (k.kind === 'ident') {
                if (k.text === 'resource') return this.fail(k, 'nested resources are outside the subset: use parent:');
                key = k.text;
            } else if (k.kind === 'string' && k.parts.length === 1 && 'text' in (k.parts[0] as object)) {
                key = (k.parts[0] as { text: string }).text;
            } else if (k.kind === 'string') {
                // A computed key, e.g. the user-assigned identity's resource id.
                key = k.parts.map((p) => ('text' in p ? p.text : `\${${p.source}}`)).join('');
                this.#at--;
                keyExpr = this.primary();
            } else {
                return this.fail(k, 'expected a property name');
            }
            if (seen.has(key)) this.fail(k, `property '${key}' appears twice`);
            seen.add(key);
            this.expectPunct(':');
            properties.push({
                key,
                ...(keyExpr ? { keyExpr } : {}),
                value: this.expression(),
                line: k.line,
                column: k.column,
            });
            this.separator('}');
        }
        this.next();
        this.#parenDepth = saved;
        return { kind: 'object', properties, line: open.line, column: open.column };
    }

    private array(): Expr {
        const open = this.expectPunct('[');
        const saved = this.#parenDepth;
        this.#parenDepth = 0;
        const pos = { line: open.line, column: open.column };
        this.skipNewlines();
        const first = this.peek();
        if (first.kind === 'ident' && first.text === 'for') {
            this.next();
            let item: string;
            let index: string | undefined;
            if (this.isPunct('(')) {
                this.next();
                item = this.identText();
                this.expectPunct(',');
                index = this.identText();
                this.expectPunct(')');
            } else {
                item = this.identText();
            }
            const inToken = this.next();
            if (inToken.kind !== 'ident' || inToken.text !== 'in') this.fail(inToken, "expected 'in'");
            const source = this.expression();
            this.expectPunct(':');
            const body = this.resourceBody();
            this.skipNewlines();
            this.expectPunct(']');
            this.#parenDepth = saved;
            return { kind: 'for', item, ...(index ? { index } : {}), source, body, ...pos };
        }
        const items: Expr[] = [];
        while (!this.isPunct(']')) {
            items.push(this.expression());
            this.separator(']');
        }
        this.next();
        this.#parenDepth = saved;
        return { kind: 'array', items, ...pos };
    }

    /** Between object properties or array items: a line break or a comma (Bicep accepts both). */
    private separator(close: string): void {
        const t = this.peek();
        if (t.kind === 'newline' || (t.kind === 'punct' && t.text === ',')) {
            this.next();
            this.skipNewlines();
            return;
        }
        if (!this.isPunct(close)) this.fail(t, `expected a line break, ',' or '${close}'`);
    }

    private endOfLine(): void {
        const t = this.peek();
        if (t.kind !== 'newline' && t.kind !== 'eof') this.fail(t, 'expected the end of the line');
    }

    private plainString(t: Token, what: string): string {
        if (t.kind !== 'string' || t.parts.length !== 1 || !('text' in (t.parts[0] as object))) {
            return this.fail(t, `expected ${what} as a plain string`);
        }
        return (t.parts[0] as { text: string }).text;
    }

    private identText(): string {
        const t = this.next();
        if (t.kind !== 'ident') return this.fail(t, 'expected a name');
        return t.text;
    }

    private expectPunct(text: string): Token {
        const t = this.next();
        if (t.kind !== 'punct' || t.text !== text) this.fail(t, `expected '${text}'`);
        return t;
    }

    private isPunct(text: string): boolean {
        const t = this.peek();
        return t.kind === 'punct' && t.text === text;
    }

    private skipNewlines(): void {
        while (this.tokens[this.#at]?.kind === 'newline') this.#at++;
    }

    private peek(): Token {
        if (this.#parenDepth > 0) this.skipNewlines();
        return this.tokens[this.#at] as Token;
    }

    private next(): Token {
        const t = this.peek();
        if (t.kind !== 'eof') this.#at++;
        return t;
    }

    private fail(t: Token, reason: string): never {
        const shown = t.kind === 'eof' ? 'end of file' : t.kind === 'newline' ? 'line break' : undefined;
        throw new BicepSyntaxError(this.path, t.line, t.column, shown ? `${reason} (found ${shown})` : reason);
    }
}
