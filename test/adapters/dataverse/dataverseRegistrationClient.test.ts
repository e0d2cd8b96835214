import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxDataverse, startSandboxDataverse } from '../../../sandbox/dataverse/sandboxDataverseServer';
import { DataverseRegistrationClient } from '../../../src/adapters/dataverse/dataverseRegistrationClient';

let sandbox: SandboxDataverse;
let client: DataverseRegistrationClient;
const tokens: string[] = [];

beforeAll(async () => {
    sandbox = await startSandboxDataverse();
    client = new DataverseRegistrationClient({
        orgUrl: sandbox.url,
        getToken: async () => {
            tokens.push('asked');
            return 'token';
        },
        timeoutMs: 5_000,
    });
});
afterAll(async () => {
    await sandbox.close();
});

describe('DataverseRegistrationClient', () => {
    it('reads a table definition with its columns and choice options, and undefined for a table Dataverse lacks', async () => {
        const unit = await client.readTable('re_unit');
        expect(unit?.columns.re_status).toBe('Picklist');
        expect(unit?.columns.re_erppostingid).toBe('String');
        expect(unit?.options.re_status?.find((o) => o.value === 100000003)?.label).toBe('Ready for handover');
        expect(await client.readTable('re_parking')).toBeUndefined();
        expect(tokens.length).toBeGreaterThan(0);
    });

    it('finds message filters by message and table in one query', async () => {
        const messages = await client.findMessages(['Update', 'Delete']);
        expect(messages.map((m) => m.name).sort()).toEqual(['Delete', 'Update']);
        const filters = await client.findMessageFilters(
            messages.map((m) => m.id),
            ['contact', "o'brien"],
        );
        expect(filters.map((f) => f.primaryobjecttypecode)).toEqual(['contact', 'contact']);
    });

    it('refuses an id that is not a GUID before sending anything', async () => {
        await expect(client.deleteStep("x') or true or ('")).rejects.toThrow("'x') or true or ('' is not a GUID");
    });

    it('refuses to follow a next link that leaves the organisation, so the token stays there', async () => {
        const server = createServer((_req, res) => {
            res.writeHead(200, { 'Content-Type': 'application/json' });
            res.end(
                JSON.stringify({
                    value: [],
                    '@odata.nextLink': 'https://elsewhere.example/api/data/v9.2/sdkmessages?page=2',
                }),
            );
        });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        try {
            const rogue = new DataverseRegistrationClient({
                orgUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
                getToken: async () => 'token',
                timeoutMs: 5_000,
            });
            await expect(rogue.findMessages(['Create'])).rejects.toThrow(/the next link leaves/);
        } finally {
            server.close();
        }
    });
});
