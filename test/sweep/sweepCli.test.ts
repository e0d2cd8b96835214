import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRegistrations } from '../../functions/registrations';
import { type LocalHost, startLocalHost } from '../../local/localHost';
import type { NormalizedAttributes } from '../../src/dataverse/normalizedEvent';
import { sweepCli } from '../../src/sweep/sweepCli';
import { memoryServices } from '../support/memoryServices';

const contactId = '8f4c2a10-6e1b-f011-8c4d-6045bd8a2b11';
const contact: NormalizedAttributes = {
    contactid: contactId,
    firstname: 'Lina',
    lastname: 'Haddad',
    versionnumber: 5948260,
    createdon: '2026-11-10T08:59:00Z',
    modifiedon: '2026-11-10T08:59:00Z',
};

const services = memoryServices({ settings: { ...memoryServices().settings, CONSOLE_AUTH: 'none' } });
services.sweep = {
    ...services.sweep,
    reader: {
        readPage: async (entity) => ({ rows: entity === 'contact' ? [{ attributes: contact, formatted: {} }] : [] }),
    },
};
let host: LocalHost;

beforeAll(async () => {
    host = await startLocalHost({
        registrations: buildRegistrations(async () => services, 'functionKey'),
        functionKey: 'cli-test-function-key-0123456789',
        port: 0,
    });
});
afterAll(async () => {
    await host?.close();
});

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await sweepCli(
        args,
        { SWEEP_URL: host.url },
        {
            stdout: (t) => {
                stdout += t;
            },
            stderr: (t) => {
                stderr += t;
            },
        },
    );
    return { code, stdout, stderr };
}

describe('npm run sweep', () => {
    it('sweeps on the running app and prints the run: window, tables, the rows replayed; exit 0 when complete', async () => {
        const { code, stdout } = await cli();
        expect(code).toBe(0);
        expect(stdout).toMatch(/^sweep \S+: complete\n/);
        expect(stdout).toContain('window 2026-11-09T08:00:00.000Z to 2026-11-10T09:00:00.000Z, 7 Dataverse page reads');
        expect(stdout).toMatch(/\ncontact\s+1\s+1\s+0\s+0\s+0\n/);
        expect(stdout).toContain(`  contact ${contactId} -> contact-${contactId}-`);
        // Run again over the same window: the row is already there, nothing is replayed.
        const again = await cli('--since', '2026-11-09T08:00:00Z', '--json');
        expect(again.code).toBe(0);
        expect(JSON.parse(again.stdout)).toMatchObject({ totals: { rowsRead: 1, replayed: 0, alreadyPresent: 1 } });
    });

    it('exits 2 with the reason for a bad window, an unknown option, or no app to talk to', async () => {
        const bad = await cli('--since', '2026-11-10T10:00:00Z', '--until', '2026-11-10T09:00:00Z');
        expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/^sweep failed: 400 the window is empty/)]);
        const unknown = await cli('--days', '2');
        expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringMatching(/^unknown option --days\nusage: /)]);
        const down = await sweepCli([], { SWEEP_URL: 'http://127.0.0.1:1' }, { stdout: () => {}, stderr: () => {} });
        expect(down).toBe(2);
    });
});
