// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are Bicep source, whose interpolation is ${…}
import { describe, expect, it } from 'vitest';
import { parseBicep } from '../../../../tools/infra/bicep/bicepParser';
import type { Declaration, Expr } from '../../../../tools/infra/bicep/bicepSyntax';
import { BicepSyntaxError } from '../../../../tools/infra/bicep/bicepSyntaxError';

function decls(source: string): Declaration[] {
    return parseBicep(source, 'test.bicep').declarations;
}

function varValue(source: string): Expr {
    const d = decls(source)[0];
    if (d?.kind !== 'var') throw new Error('expected a var');
    return d.value;
}

function refusal(source: string): BicepSyntaxError {
    try {
        parseBicep(source, 'bad.bicep');
    } catch (e) {
        if (e instanceof BicepSyntaxError) return e;
        throw e;
    }
    throw new Error('accepted');
}

describe('parseBicep: the subset', () => {
    it('reads params with decorators, types and defaults', () => {
        const [p] = decls("@minLength(1)\n@description('where')\nparam location string = 'westeurope'\n");
        expect(p).toMatchObject({ kind: 'param', name: 'location', type: 'string' });
        expect(p?.decorators.map((d) => d.name)).toEqual(['minLength', 'description']);
        expect(p?.kind === 'param' && p.defaultValue).toMatchObject({ kind: 'string', parts: ['westeurope'] });
    });

    it('reads a resource type and API version, existing resources, conditions and loops', () => {
        const source = [
            "resource a 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {",
            "  name: 'st'",
            '}',
            "resource b 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = if (on) {",
            "  name: 'q'",
            '}',
            "resource c 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (r, i) in roles: {",
            '  name: r',
            '}]',
        ].join('\n');
        const [a, b, c] = decls(source);
        expect(a).toMatchObject({ kind: 'resource', type: 'Microsoft.Storage/storageAccounts', existing: true });
        expect(b).toMatchObject({ apiVersion: '2022-10-01-preview', value: { kind: 'if' } });
        expect(c).toMatchObject({ value: { kind: 'for', item: 'r', index: 'i' } });
    });

    it('reads Microsoft Graph resource types (@v1.0) after `extension microsoftGraphV1`, and only then', () => {
        const graph = ["resource app 'Microsoft.Graph/applications@v1.0' = {", "  uniqueName: 'x'", '}'].join('\n');
        const [ext, app] = decls(`extension microsoftGraphV1\n${graph}\n`);
        expect(ext).toMatchObject({ kind: 'extension', name: 'microsoftGraphV1' });
        expect(app).toMatchObject({ kind: 'resource', type: 'Microsoft.Graph/applications', apiVersion: 'v1.0' });
        expect(refusal(graph).message).toContain("resource type must be 'Namespace/type@yyyy-mm-dd'");
        expect(refusal('extension kubernetes\n').message).toContain(
            "extension 'kubernetes' is outside the subset this reader accepts (microsoftGraphV1)",
        );
        expect(
            refusal("extension microsoftGraphV1\nresource s 'Microsoft.Storage/storageAccounts@v1.0' = {}\n").message,
        ).toContain("not 'Microsoft.Storage/storageAccounts@v1.0'");
    });

    it('reads objects separated by line breaks or commas, and computed keys', () => {
        const v = varValue("var o = {\n  a: 1, b: 'x'\n  '${id}': {}\n  'quoted-key': true\n}\n");
        expect(v.kind === 'object' && v.properties.map((p) => p.key)).toEqual(['a', 'b', '${id}', 'quoted-key']);
        expect(v.kind === 'object' && v.properties[2]?.keyExpr?.kind).toBe('string');
    });

    it('reads string interpolation with nested strings, escapes and multi-line strings verbatim', () => {
        const v = varValue("var s = 'a${concat('b', x)}c\\'d\\n'\n");
        expect(v).toMatchObject({ kind: 'string', parts: ['a', { kind: 'call', name: 'concat' }, "c'd\n"] });
        const m = varValue("var q = '''\nline ${not} interpolated\n'''\n");
        expect(m).toMatchObject({ kind: 'string', parts: ['line ${not} interpolated\n'] });
    });

    it('reads operators with precedence, ternaries, safe access and namespaced calls', () => {
        const v = varValue('var x = a || b && c == 1 + 2 * 3 ? o.?p[?0] : sys.concat(d)\n');
        expect(v).toMatchObject({
            kind: 'ternary',
            condition: { kind: 'binary', op: '||', right: { kind: 'binary', op: '&&' } },
            whenTrue: { kind: 'index', safe: true, target: { kind: 'member', name: 'p', safe: true } },
            whenFalse: { kind: 'call', namespace: 'sys', name: 'concat' },
        });
    });

    it('reads module calls with a local path and outputs', () => {
        const [m, o] = decls(
            "module m './app/x.bicep' = {\n  name: 'm'\n  params: { a: 1 }\n}\noutput N string = m.outputs.n\n",
        );
        expect(m).toMatchObject({ kind: 'module', path: './app/x.bicep' });
        expect(o).toMatchObject({ kind: 'output', name: 'N', type: 'string' });
    });
});

describe('parseBicep: refuses what it does not understand, with file, line and column', () => {
    it.each([
        ['type t = string\n', /bad.bicep:1:1: 'type' declarations are outside the subset/],
        ["import * as x from 'x.bicep'\n", /'import' declarations are outside the subset/],
        ['var f = map(xs, x => x)\n', /lambdas are outside the subset/],
        ["resource r 'Microsoft.Web/sites' = {}\n", /resource type must be 'Namespace\/type@yyyy-mm-dd'/],
        ["module m 'br/public:avm/res/web/site:0.1.0' = {}\n", /only local modules are read/],
        ['var o = {\n  a: 1\n  a: 2\n}\n', /bad.bicep:3:3: property 'a' appears twice/],
        ["var s = 'open\n", /unterminated string/],
        ['var o = { a: 1 b: 2 }\n', /expected a line break, ',' or '}'/],
        ['var x = 1 2\n', /expected the end of the line/],
        [
            "resource r 'A.B/c@2024-01-01' = {\n  resource child 'd' = {}\n}\n",
            /nested resources are outside the subset/,
        ],
        ["var s = '\\q'\n", /unknown escape/],
    ])('%j', (source, message) => {
        expect(refusal(source).message).toMatch(message);
    });

    it('reports the position of an error inside an interpolation', () => {
        const e = refusal("var s = 'ok ${a +}'\n");
        expect([e.line, e.column]).toEqual([1, 18]);
    });
});
