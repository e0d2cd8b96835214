import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { environmentsDirectory, loadEnvironmentConfig } from '../../src/smoke/environmentConfig';

function dirWith(files: Record<string, unknown>): string {
    const dir = mkdtempSync(join(tmpdir(), 'envs-'));
    for (const [name, json] of Object.entries(files)) {
        writeFileSync(join(dir, name), typeof json === 'string' ? json : JSON.stringify(json));
    }
    return dir;
}

const valid = JSON.parse(
    JSON.stringify({
        dataverse: { url: 'https://contoso.crm4.dynamics.com/' },
        erp: { baseUrl: 'https://erp.example/', scope: 'api://erp/.default' },
        graph: { sharedMailbox: 'integration@contoso.example' },
        serviceBus: { fullyQualifiedNamespace: 'sb-x.servicebus.windows.net', queueName: 'crm-transactions' },
        tables: { endpoint: 'https://stx.table.core.windows.net/' },
    }),
);

describe('config/environments/<name>.json', () => {
    it('the committed example is valid', () => {
        const config = loadEnvironmentConfig('test', environmentsDirectory());
        expect(config.serviceBus.queueName).toBe('crm-transactions');
        expect(config.graph.baseUrl).toBe('https://graph.microsoft.com/');
    });

    it('names the file and the environments that exist when the name is unknown', () => {
        const dir = dirWith({ 'uat.json': valid });
        expect(() => loadEnvironmentConfig('prod', dir)).toThrow(/prod.json: no such environment; known: local, uat/);
    });

    it('names the field that is wrong', () => {
        const dir = dirWith({
            'uat.json': { ...valid, serviceBus: { ...valid.serviceBus, fullyQualifiedNamespace: 'sb-x' } },
        });
        expect(() => loadEnvironmentConfig('uat', dir)).toThrow(/serviceBus\.fullyQualifiedNamespace/);
    });

    it('refuses anything that looks like a secret: tokens come from the identity', () => {
        const dir = dirWith({ 'uat.json': { ...valid, erp: { ...valid.erp, clientSecret: 'abc' } } });
        expect(() => loadEnvironmentConfig('uat', dir)).toThrow(/'erp.clientSecret' looks like a secret/);
    });

    it('refuses unknown fields and bad JSON', () => {
        expect(() => loadEnvironmentConfig('uat', dirWith({ 'uat.json': { ...valid, extra: 1 } }))).toThrow(/extra/);
        expect(() => loadEnvironmentConfig('uat', dirWith({ 'uat.json': '{' }))).toThrow(/uat.json: not JSON/);
        expect(() => loadEnvironmentConfig('../etc', dirWith({}))).toThrow(/not an environment name/);
    });
});
