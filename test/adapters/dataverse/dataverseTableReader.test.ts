import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SandboxDataverse, startSandboxDataverse } from '../../../sandbox/dataverse/sandboxDataverseServer';
import { DataverseWebApiClient } from '../../../src/adapters/dataverse/dataverseWebApiClient';
import type { CrmPage } from '../../../src/ports/crmClient';
import { isCrmRequestError, isCrmThrottledError } from '../../../src/ports/crmErrors';

// The paged read the backup uses, against the sandbox Web API (real HTTP, real paging links).
let sandbox: SandboxDataverse;
beforeAll(async () => {
    sandbox = await startSandboxDataverse();
});
afterAll(async () => {
    await sandbox?.close();
});

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const reader = () =>
    new DataverseWebApiClient({
        orgUrl: sandbox.url,
        getToken: async () => 't',
        integrationOwnedFields: {},
        timeoutMs: 5_000,
    });
const columns = ['contactid', 'fullname', 'emailaddress1', 'statecode', 'ownerid'];

async function readAll(pageSize: number): Promise<CrmPage[]> {
    const pages: CrmPage[] = [];
    let next: string | undefined;
    do {
        const page = await reader().readPage('contact', {
            columns,
            pageSize,
            count: next === undefined,
            ...(next ? { next } : {}),
        });
        pages.push(page);
        next = page.next;
    } while (next !== undefined);
    return pages;
}

describe('DataverseWebApiClient.readPage against the sandbox', () => {
    beforeEach(async () => {
        await fetch(`${sandbox.url}/sandbox/faults`, { method: 'PUT', body: '{}' });
    });

    it('reads a table in server-driven pages, counts it, and gives every row once in webhook form', async () => {
        for (let n = 23; n >= 1; n--) {
            sandbox.records.put('contact', id(n), {
                fullname: `Buyer ${n}`,
                emailaddress1: `b${n}@x.example`,
                statecode: 0,
            });
        }
        const pages = await readAll(5);
        expect(pages.map((p) => p.rows.length)).toEqual([5, 5, 5, 5, 3]);
        expect(pages[0]?.count).toEqual({ value: 23, capped: false });
        const rows = pages.flatMap((p) => p.rows);
        expect(rows.map((r) => r.attributes.contactid)).toEqual(Array.from({ length: 23 }, (_, i) => id(i + 1)));
        expect(rows[6]?.attributes).toMatchObject({ fullname: 'Buyer 7', emailaddress1: 'b7@x.example', statecode: 0 });
        expect(Object.keys(rows[6]?.attributes ?? {}).sort()).toEqual([...columns].sort());
        expect(rows[6]?.formatted.statecode).toBe('Active');
    });

    it('says when Dataverse stopped counting at its limit', async () => {
        const big = await startSandboxDataverse();
        try {
            for (let n = 1; n <= 5001; n++) big.records.put('account', id(n), { name: `Firm ${n}` });
            const client = new DataverseWebApiClient({
                orgUrl: big.url,
                getToken: async () => 't',
                integrationOwnedFields: {},
                timeoutMs: 5_000,
            });
            const page = await client.readPage('account', { columns: ['accountid'], pageSize: 1, count: true });
            expect(page.count).toEqual({ value: 5000, capped: true });
        } finally {
            await big.close();
        }
    });

    it('reads only the rows a $filter on modifiedon picks, across pages (the next link keeps the filter)', async () => {
        let now = Date.parse('2026-11-09T10:00:00Z');
        const timed = await startSandboxDataverse({ now: () => new Date(now) });
        try {
            for (let n = 1; n <= 9; n++) {
                timed.records.put('contact', id(n), { fullname: `Buyer ${n}` });
                now += 3_600_000; // one row an hour: 10:00 … 18:00
            }
            const client = new DataverseWebApiClient({
                orgUrl: timed.url,
                getToken: async () => 't',
                integrationOwnedFields: {},
                timeoutMs: 5_000,
            });
            const filter = 'modifiedon ge 2026-11-09T12:00:00Z and modifiedon lt 2026-11-09T16:00:00.000Z';
            const ids: unknown[] = [];
            let next: string | undefined;
            let pages = 0;
            do {
                const page = await client.readPage('contact', {
                    columns: ['contactid', 'modifiedon', 'versionnumber'],
                    pageSize: 2,
                    count: false,
                    filter,
                    ...(next ? { next } : {}),
                });
                ids.push(...page.rows.map((r) => r.attributes.contactid));
                next = page.next;
                pages++;
            } while (next !== undefined);
            expect(ids).toEqual([id(3), id(4), id(5), id(6)]);
            expect(pages).toBe(2);
            // A filter the sandbox (like Dataverse) cannot read is refused, not ignored.
            const refused = await client
                .readPage('contact', { columns: ['contactid'], pageSize: 2, count: false, filter: 'modifiedon ge' })
                .catch((x: unknown) => x);
            expect(isCrmRequestError(refused)).toBe(true);
        } finally {
            await timed.close();
        }
    });

    it('refuses a next link that leaves the organisation, so the token is never sent elsewhere', async () => {
        const e = await reader()
            .readPage('contact', {
                columns,
                pageSize: 5,
                count: false,
                next: 'https://evil.example/api/data/v9.2/contacts',
            })
            .catch((x: unknown) => x);
        expect(isCrmRequestError(e)).toBe(true);
    });

    it('surfaces service protection limits as a throttled error with Retry-After', async () => {
        await fetch(`${sandbox.url}/sandbox/faults`, { method: 'PUT', body: JSON.stringify({ throttleEvery: 1 }) });
        const e = await reader()
            .readPage('contact', { columns, pageSize: 5, count: true })
            .catch((x: unknown) => x);
        expect(isCrmThrottledError(e) && e.retryAfterMs).toBe(1000);
    });
});
