import { BicepSyntaxError } from './bicepSyntaxError';

/**
 * Tokens of the Bicep subset this project writes. A string's interpolations are kept as raw source with their
 * position, so the parser can parse them as expressions (they may hold nested strings and braces).
 */
export type Token =
    | { kind: 'ident'; text: string; line: number; column: number }
    | { kind: 'number'; value: number; line: number; column: number }
    | { kind: 'string'; parts: StringPart[]; line: number; column: number }
    | { kind: 'punct'; text: string; line: number; column: number }
    | { kind: 'newline'; line: number; column: number }
    | { kind: 'eof'; line: number; column: number };

export type StringPart = { text: string } | { source: string; line: number; column: number };

/** Longest first, so `??` wins over `?` and `==` over `=`. */
const PUNCTUATION = [
    '??',
    '==',
    '!=',
    '<=',
    '>=',
    '&&',
    '||',
    '=>',
    '::',
    '{',
    '}',
    '[',
    ']',
    '(',
    ')',
    ',',
    ':',
    '.',
    '?',
    '!',
    '=',
    '<',
    '>',
    '+',
    '-',
    '*',
    '/',
    '%',
    '@',
];

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", $: '$' };

export function lexBicep(source: string, file: string, startLine = 1, startColumn = 1): Token[] {
    const tokens: Token[] = [];
    let i = 0;
    let line = startLine;
    let column = startColumn;
    const fail = (reason: string): never => {
        throw new BicepSyntaxError(file, line, column, reason);
    };
    const advance = (n: number) => {
        for (let k = 0; k < n; k++) {
            if (source[i] === '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
            i++;
        }
    };

    while (i < source.length) {
        const c = source[i] as string;
        const at = { line, column };
        if (c === '\n') {
            tokens.push({ kind: 'newline', ...at });
            advance(1);
        } else if (c === ' ' || c === '\t' || c === '\r') {
            advance(1);
        } else if (source.startsWith('//', i)) {
            while (i < source.length && source[i] !== '\n') advance(1);
        } else if (source.startsWith('/*', i)) {
            const end = source.indexOf('*/', i + 2);
            if (end < 0) fail('unterminated block comment');
            advance(end + 2 - i);
        } else if (source.startsWith("'''", i)) {
            // Multi-line strings are verbatim: no escapes, no interpolation.
            const end = source.indexOf("'''", i + 3);
            if (end < 0) fail('unterminated multi-line string');
            let text = source.slice(i + 3, end);
            if (text.startsWith('\r\n')) text = text.slice(2);
            else if (text.startsWith('\n')) text = text.slice(1);
            tokens.push({ kind: 'string', parts: [{ text }], ...at });
            advance(end + 3 - i);
        } else if (c === "'") {
            advance(1);
            const parts: StringPart[] = [];
            let text = '';
            for (;;) {
                if (i >= source.length || source[i] === '\n') fail('unterminated string');
                const d = source[i] as string;
                if (d === "'") {
                    advance(1);
                    break;
                }
                if (d === '\\') {
                    const e = source[i + 1] ?? '';
                    const escaped = ESCAPES[e];
                    if (escaped === undefined) fail(`unknown escape \\${e}`);
                    text += escaped;
                    advance(2);
                } else if (source.startsWith('${', i)) {
                    if (text) parts.push({ text });
                    text = '';
                    advance(2);
                    const exprLine = line;
                    const exprColumn = column;
                    const start = i;
                    skipToClosingBrace();
                    parts.push({ source: source.slice(start, i), line: exprLine, column: exprColumn });
                    advance(1);
                } else {
                    text += d;
                    advance(1);
                }
            }
            if (text || parts.length === 0) parts.push({ text });
            tokens.push({ kind: 'string', parts, ...at });
        } else if (/[0-9]/.test(c)) {
            const m = /^[0-9]+/.exec(source.slice(i)) as RegExpExecArray;
            tokens.push({ kind: 'number', value: Number(m[0]), ...at });
            advance(m[0].length);
        } else if (/[A-Za-z_]/.test(c)) {
            const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i)) as RegExpExecArray;
            tokens.push({ kind: 'ident', text: m[0], ...at });
            advance(m[0].length);
        } else {
            const p = PUNCTUATION.find((q) => source.startsWith(q, i));
            if (!p) fail(`unexpected character ${JSON.stringify(c)}`);
            tokens.push({ kind: 'punct', text: p as string, ...at });
            advance((p as string).length);
        }
    }
    tokens.push({ kind: 'eof', line, column });
    return tokens;

    /** Moves to the `}` closing an interpolation, stepping over nested braces and strings. */
    function skipToClosingBrace(): void {
        let depth = 0;
        while (i < source.length) {
            const d = source[i];
            if (d === '\n') fail('line break inside an interpolation');
            if (d === "'") {
                advance(1);
                while (i < source.length && source[i] !== "'") {
                    if (source[i] === '\n') fail('unterminated string inside an interpolation');
                    advance(source[i] === '\\' ? 2 : 1);
                }
                advance(1);
                continue;
            }
            if (d === '{') depth++;
            if (d === '}') {
                if (depth === 0) return;
                depth--;
            }
            advance(1);
        }
        fail('unterminated interpolation');
    }
}
