import { SandboxDataverseError } from './columnValues';

/**
 * The part of OData's `$filter` the sandbox answers: `eq` / `ne` between a property and a literal (string,
 * GUID, number, true, false, null, an unquoted DateTimeOffset like `2026-11-10T00:00:00Z`), `gt` / `ge` / `lt` / `le`
 * between a property and a number or DateTimeOffset, `startswith(property,'text')`, `and`, `or`, `not` and
 * parentheses. String comparisons ignore case, as Dataverse's do; a date column compares as a point in time. Anything
 * else is refused the way Dataverse refuses it.
 */
export type RowPredicate = (row: Record<string, unknown>) => boolean;

type Token = { kind: 'word' | 'string' | 'punct' | 'date'; text: string };

/** An unquoted Edm.DateTimeOffset literal, as Dataverse takes them: `2026-11-10T00:00:00Z`, `…T00:00:00.000+04:00`. */
const dateLiteral = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})/;

export function parseFilter(text: string): RowPredicate {
    const tokens = tokenize(text);
    let at = 0;
    const peek = () => tokens[at];
    const next = () => {
        const token = tokens[at++];
        if (!token) throw syntax(text, 'the expression ends too early');
        return token;
    };
    const expect = (t: string) => {
        const token = next();
        if (token.text !== t) throw syntax(text, `expected '${t}' but found '${token.text}'`);
    };
    const isWord = (w: string) => peek()?.kind === 'word' && peek()?.text.toLowerCase() === w;

    /** `operand (word operand)*`, folded left with `combine`. */
    const chain = (word: string, operand: () => RowPredicate, combine: (a: boolean, b: () => boolean) => boolean) => {
        let left = operand();
        while (isWord(word)) {
            next();
            const l = left;
            const r = operand();
            left = (row) => combine(l(row), () => r(row));
        }
        return left;
    };
    const orExpr = (): RowPredicate => chain('or', andExpr, (a, b) => a || b());
    const andExpr = (): RowPredicate => chain('and', unary, (a, b) => a && b());
    const unary = (): RowPredicate => {
        if (isWord('not')) {
            next();
            const inner = unary();
            return (row) => !inner(row);
        }
        if (peek()?.text === '(') {
            next();
            const inner = orExpr();
            expect(')');
            return inner;
        }
        const name = next();
        if (name.kind !== 'word') throw syntax(text, `expected a property but found '${name.text}'`);
        if (name.text.toLowerCase() === 'startswith') {
            expect('(');
            const property = next().text;
            expect(',');
            const prefix = literal(next());
            expect(')');
            if (typeof prefix !== 'string') throw syntax(text, 'startswith needs a string');
            return (row) => {
                const value = row[property];
                return typeof value === 'string' && value.toLowerCase().startsWith(prefix.toLowerCase());
            };
        }
        const operator = next().text.toLowerCase();
        const property = name.text;
        if (operator === 'eq' || operator === 'ne') {
            const expected = literal(next());
            return (row) => equal(row[property], expected) === (operator === 'eq');
        }
        const order = orderings[operator];
        if (!order) throw syntax(text, `the operator '${operator}' is not supported`);
        const bound = literal(next());
        if (typeof bound !== 'number' && !(bound instanceof Date))
            throw syntax(text, `'${operator}' needs a number or a date`);
        return (row) => {
            const value = comparable(row[property], bound);
            return value !== undefined && order(value, bound instanceof Date ? bound.getTime() : bound);
        };
    };

    const predicate = orExpr();
    if (at < tokens.length) throw syntax(text, `unexpected '${tokens[at]?.text}'`);
    return predicate;
}

const orderings: Record<string, (a: number, b: number) => boolean> = {
    gt: (a, b) => a > b,
    ge: (a, b) => a >= b,
    lt: (a, b) => a < b,
    le: (a, b) => a <= b,
};

/** A row's value as a number to order by: a date as its time when compared with a date. */
function comparable(value: unknown, bound: number | Date): number | undefined {
    if (bound instanceof Date) {
        const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
        return Number.isNaN(time) ? undefined : time;
    }
    return typeof value === 'number' ? value : undefined;
}

function equal(actual: unknown, expected: unknown): boolean {
    if (expected instanceof Date) return typeof actual === 'string' && Date.parse(actual) === expected.getTime();
    if (actual === undefined) return expected === null;
    if (typeof actual === 'string' && typeof expected === 'string')
        return actual.toLowerCase() === expected.toLowerCase();
    return actual === expected;
}

function literal(token: Token): string | number | boolean | null | Date {
    if (token.kind === 'string') return token.text;
    if (token.kind === 'date') return new Date(token.text);
    const word = token.text.toLowerCase();
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    if (/^-?\d+(\.\d+)?$/.test(word)) return Number(word);
    // An unquoted GUID is how OData writes an Edm.Guid literal.
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(word)) return word;
    throw new SandboxDataverseError(400, '0x80060888', `Could not find a property named '${token.text}'.`);
}

function tokenize(text: string): Token[] {
    const tokens: Token[] = [];
    let i = 0;
    while (i < text.length) {
        const c = text.charAt(i);
        if (/\s/.test(c)) {
            i++;
        } else if (c === "'") {
            let value = '';
            i++;
            for (;;) {
                if (i >= text.length) throw syntax(text, 'a string is not closed');
                if (text[i] === "'" && text[i + 1] === "'") {
                    value += "'";
                    i += 2;
                } else if (text[i] === "'") {
                    i++;
                    break;
                } else {
                    value += text[i++];
                }
            }
            tokens.push({ kind: 'string', text: value });
        } else if (dateLiteral.test(text.slice(i))) {
            const date = dateLiteral.exec(text.slice(i))?.[0] ?? '';
            if (Number.isNaN(Date.parse(date))) throw syntax(text, `'${date}' is not a date`);
            tokens.push({ kind: 'date', text: date });
            i += date.length;
        } else if ('(),'.includes(c)) {
            tokens.push({ kind: 'punct', text: c });
            i++;
        } else {
            const word = /^[\w.-]+/.exec(text.slice(i))?.[0];
            if (!word) throw syntax(text, `unexpected '${c}'`);
            tokens.push({ kind: 'word', text: word });
            i += word.length;
        }
    }
    return tokens;
}

function syntax(text: string, why: string): SandboxDataverseError {
    return new SandboxDataverseError(400, '0x80060888', `Syntax error in $filter '${text}': ${why}.`);
}
