// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are Bicep source, whose interpolation is ${…}
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BicepProject } from '../../../../tools/infra/bicep/bicepProject';
import { isUnresolved, valueAt } from '../../../../tools/infra/bicep/bicepValue';
import { possibleKeys } from '../../../../tools/infra/bicep/possibleKeys';

function project(files: Record<string, string>, parameters?: Record<string, unknown>): BicepProject {
    const dir = mkdtempSync(join(tmpdir(), 'bicep-'));
    for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
    }
    if (parameters) {
        const json = { parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, { value: v }])) };
        writeFileSync(join(dir, 'main.parameters.json'), JSON.stringify(json));
        return BicepProject.load(dir, 'main.bicep', 'main.parameters.json');
    }
    return BicepProject.load(dir, 'main.bicep');
}

const queueModule = [
    'param queue object',
    "param suffix string = '-q'",
    "resource ns 'Microsoft.ServiceBus/namespaces@2024-01-01' = {",
    "  name: 'ns${uniqueString('x')}'",
    '}',
    "resource q 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {",
    '  parent: ns',
    "  name: '${queue.name}${suffix}'",
    '  properties: { maxDeliveryCount: queue.max, lockDuration: queue.lock }',
    '}',
    'output queueName string = q.name',
    "output fqdn string = '${ns.name}.servicebus.windows.net'",
].join('\n');

describe('BicepProject: following values from main.bicep into modules', () => {
    it('evaluates a module resource with the parameters its caller passes', () => {
        const p = project({
            'main.bicep':
                "var cfg = { name: 'crm', max: 5 + 5, lock: 'PT1M' }\nmodule sb './sb.bicep' = {\n  name: 'sb'\n  params: { queue: cfg }\n}\noutput Q string = sb.outputs.queueName\n",
            'sb.bicep': queueModule,
        });
        const [q] = p.resources('Microsoft.ServiceBus/namespaces/queues');
        expect(valueAt(q?.body, ['name'])).toBe('crm-q');
        expect(valueAt(q?.body, ['properties', 'maxDeliveryCount'])).toBe(10);
        expect(p.root.output('Q')).toBe('crm-q');
        expect(q?.file).toBe('sb.bicep');
    });

    it('leaves what only Azure knows unresolved, with the reason', () => {
        const p = project({
            'main.bicep':
                "module sb './sb.bicep' = {\n  name: 'sb'\n  params: { queue: { name: 'a', max: 1, lock: 'PT1M' } }\n}\noutput F string = sb.outputs.fqdn\n",
            'sb.bicep': queueModule,
        });
        const f = p.root.output('F');
        expect(isUnresolved(f) && f.reason).toMatch(/uniqueString/);
    });

    it('takes root parameters from the parameters file, leaving azd placeholders unresolved', () => {
        const p = project(
            { 'main.bicep': "param a string = 'default'\nparam b string\nparam c int = 3\n" },
            { a: 'given', b: '${AZURE_ENV_NAME}' },
        );
        expect(p.root.param('a')).toBe('given');
        expect(isUnresolved(p.root.param('b'))).toBe(true);
        expect(p.root.param('c')).toBe(3);
    });

    it('evaluates conditions, loops and the functions whose result follows from their arguments', () => {
        const p = project({
            'main.bicep': [
                "param mode string = 'header'",
                "var roles = ['r1', 'r2']",
                "var ids = { r1: 'g1', r2: 'g2' }",
                "var settings = union({ A: 'x' }, mode == 'header' ? { B: toUpper('y') } : {})",
                "resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for r in roles: {",
                '  name: ids[r]',
                '}]',
                "resource off 'Microsoft.Web/sites@2024-11-01' = if (mode != 'header') {",
                "  name: 'off'",
                '}',
                "var file = loadJsonContent('./data.json').n",
                'var text = string(length(roles))',
            ].join('\n'),
            'data.json': '{"n": 7}',
        });
        const [ra] = p.resources('Microsoft.Authorization/roleAssignments');
        expect(ra?.loopItems).toEqual(['r1', 'r2']);
        expect(valueAt(ra?.body, ['name'])).toBe('g1');
        expect(p.resources('Microsoft.Web/sites')[0]?.deployed).toBe(false);
        const v = (name: string) => {
            const d = p.root.declaration(name);
            return d?.kind === 'var' ? p.root.evaluate(d.value) : undefined;
        };
        expect(v('settings')).toEqual({ A: 'x', B: 'Y' });
        expect(v('file')).toBe(7);
        expect(v('text')).toBe('2');
    });

    it('refuses a module call with a parameter the module does not declare, or without a required one', () => {
        const unknown = project({
            'main.bicep': "module sb './sb.bicep' = {\n  name: 'sb'\n  params: { queue: {}, typo: 1 }\n}\n",
            'sb.bicep': queueModule,
        });
        expect(() => unknown.instances()).toThrow(/main.bicep:1:1: module .\/sb.bicep has no parameter 'typo'/);
        const missing = project({
            'main.bicep': "module sb './sb.bicep' = {\n  name: 'sb'\n  params: {}\n}\n",
            'sb.bicep': queueModule,
        });
        expect(() => missing.instances()).toThrow(/needs parameter 'queue'/);
    });
});

describe('possibleKeys: the keys an app-settings object can have', () => {
    const files = {
        'main.bicep': [
            "param mode string = 'functionKey'",
            "var base = { A: 'a', B: 'b' }",
            "var secret = mode == 'header' ? { S: '@Microsoft.KeyVault(...)' } : {}",
            "module app './app.bicep' = {",
            "  name: 'app'",
            '  params: { settings: union(base, secret) }',
            '}',
        ].join('\n'),
        'app.bicep': [
            'param settings object',
            "var host = { H: 'h' }",
            "resource cfg 'Microsoft.Web/sites/config@2024-04-01' = {",
            "  name: 'appsettings'",
            '  properties: union(host, settings)',
            '}',
        ].join('\n'),
    };

    it('follows variables and parameters into the caller, marking ternary branches conditional', () => {
        const p = project(files);
        const [cfg] = p.resources('Microsoft.Web/sites/config');
        if (cfg?.bodyExpr.kind !== 'object') throw new Error('no body');
        const props = cfg.bodyExpr.properties.find((x) => x.key === 'properties')?.value;
        if (!props) throw new Error('no properties');
        const keys = possibleKeys(props, cfg.instance);
        expect(keys.map((k) => `${k.key}${k.conditional ? '?' : ''}`)).toEqual(['H', 'A', 'B', 'S?']);
        expect(keys.find((k) => k.key === 'A')?.declaredAt).toBe('main.bicep:2');
        // Evaluated, the header secret is absent in functionKey mode.
        expect(valueAt(cfg.body, ['properties'])).toEqual({ H: 'h', A: 'a', B: 'b' });
    });

    it('refuses an expression whose keys it cannot see', () => {
        const p = project({
            ...files,
            'app.bicep':
                "param settings object\nresource cfg 'Microsoft.Web/sites/config@2024-04-01' = {\n  name: 'appsettings'\n  properties: json(settings)\n}\n",
        });
        const [cfg] = p.resources('Microsoft.Web/sites/config');
        if (cfg?.bodyExpr.kind !== 'object') throw new Error('no body');
        const props = cfg.bodyExpr.properties.find((x) => x.key === 'properties')?.value;
        expect(() => possibleKeys(props as never, cfg.instance)).toThrow(/app.bicep:4:15: cannot list the keys/);
    });
});
