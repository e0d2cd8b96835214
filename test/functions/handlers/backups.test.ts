import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import {
    createBackupGetHandler,
    createBackupListHandler,
    createBackupRunHandler,
    createBackupTimerHandler,
} from '../../../functions/handlers/backups';
import type { Services } from '../../../functions/services';
import { MemoryBlobStore } from '../../../src/adapters/memory/memoryBlobStore';
import type { BackupRun } from '../../../src/backup/backupRun';
import { BlobStoreError } from '../../../src/ports/blobStore';
import type { MailMessage } from '../../../src/ports/notifier';
import { FakeTableReader } from '../../backup/fakeTableReader';
import { userActor } from '../../support/actors';
import { memoryServices } from '../../support/memoryServices';

const context = () => new InvocationContext({ functionName: 'test', logHandler: () => {} });
const post = (body?: string) =>
    new HttpRequest({
        method: 'POST',
        url: 'http://localhost/api/backups',
        ...(body === undefined ? {} : { body: { string: body } }),
    });
const get = (path: string, params: Record<string, string> = {}) =>
    new HttpRequest({ method: 'GET', url: `http://localhost/api/${path}`, params });

const contacts = FakeTableReader.rows([
    { contactid: '00000000-0000-4000-8000-000000000001', fullname: 'A Buyer', emailaddress1: 'a@buyer.example' },
]);

function services(overrides: Partial<Services> = {}) {
    const files = new MemoryBlobStore();
    const mails: MailMessage[] = [];
    const reader = new FakeTableReader({ contact: contacts });
    let n = 0;
    const s = memoryServices({
        notifier: { sendMail: async (m) => void mails.push(m), postToChannel: async () => ({ messageId: 'm' }) },
        random: () => (n++ % 10) / 10,
        ...overrides,
    });
    s.backup = { ...s.backup, reader, files: async () => files };
    return { s, files, mails, reader, provider: async () => s };
}

describe('POST /api/backups', () => {
    it('runs a backup now and answers 201 with its record and where to read it again', async () => {
        const { provider, files } = services();
        const res = await createBackupRunHandler(provider)(post('{"by":"someone else"}'), context(), userActor());
        expect(res.status).toBe(201);
        const run = res.jsonBody as BackupRun;
        expect(res.headers).toMatchObject({ location: `/api/backups/${run.id}` });
        // Who asked is the signed-in actor, not the body's (deprecated) `by`.
        expect(run).toMatchObject({ trigger: 'http', requestedBy: 'ops@contoso.example', status: 'complete' });
        expect(run.tables.find((t) => t.file === 'contacts')).toMatchObject({ expected: 1, exported: 1 });
        expect(await files.read(`${run.id}/contacts.csv`)).toContain('a@buyer.example');
    });

    it('accepts an empty body', async () => {
        const { provider } = services();
        const res = await createBackupRunHandler(provider)(post(), context(), userActor());
        expect(res.status).toBe(201);
    });

    it('refuses a body it does not understand, naming the field, and runs nothing', async () => {
        const { provider, files } = services();
        const bad = await createBackupRunHandler(provider)(
            post('{"by":"x","tables":["contacts"]}'),
            context(),
            userActor(),
        );
        expect(bad.status).toBe(400);
        expect(bad.jsonBody).toMatchObject({ error: { code: 'INVALID_BODY' } });
        const notJson = await createBackupRunHandler(provider)(post('{by'), context(), userActor());
        expect(notJson.status).toBe(400);
        expect(files.files.size).toBe(0);
    });

    it('answers 503 when the backup container cannot be opened', async () => {
        const { s, provider } = services();
        s.backup.files = async () => {
            throw new BlobStoreError('Blob Storage opening container crm-backups: 403 AuthorizationFailure');
        };
        const res = await createBackupRunHandler(provider)(post(), context(), userActor());
        expect(res.status).toBe(503);
        expect(res.jsonBody).toMatchObject({ error: { code: 'BACKUP_STORAGE_UNAVAILABLE' } });
    });
});

describe('GET /api/backups and /api/backups/{id}', () => {
    it('lists past runs newest first and gives one with its files and counts', async () => {
        const { s, provider } = services();
        const run = createBackupRunHandler(provider);
        const first = (await run(post(), context(), userActor())).jsonBody as BackupRun;
        s.clock = { now: () => new Date('2026-11-17T09:00:00Z') };
        const second = (await run(post(), context(), userActor())).jsonBody as BackupRun;

        const list = await createBackupListHandler(provider)(get('backups'));
        expect(list.status).toBe(200);
        const backups = (list.jsonBody as { backups: Array<{ id: string; status: string }> }).backups;
        expect(backups.map((b) => b.id)).toEqual([second.id, first.id]);

        const one = await createBackupGetHandler(provider)(get(`backups/${first.id}`, { backupId: first.id }));
        expect(one.status).toBe(200);
        expect((one.jsonBody as BackupRun).tables.flatMap((t) => t.files.map((f) => f.path))).toContain(
            `${first.id}/contacts.json`,
        );
    });

    it('answers 404 for an unknown id, 400 for a malformed one or a bad top', async () => {
        const { provider } = services();
        const getOne = createBackupGetHandler(provider);
        const unknown = '2026-01-04T02-00-00Z-abcdef';
        expect((await getOne(get(`backups/${unknown}`, { backupId: unknown }))).status).toBe(404);
        expect((await getOne(get('backups/..%2Fx', { backupId: '../x' }))).status).toBe(400);
        const list = createBackupListHandler(provider);
        expect((await list(get('backups?top=0'))).status).toBe(400);
        expect((await list(get('backups?top=abc'))).status).toBe(400);
    });
});

describe('the backup timer', () => {
    it('runs quietly when the backup is complete', async () => {
        const { provider, files, mails } = services();
        await createBackupTimerHandler(provider)({}, context());
        expect((await files.list('')).some((p) => p.endsWith('/manifest.json'))).toBe(true);
        expect(mails).toEqual([]);
    });

    it('alerts and fails the invocation when the backup is incomplete', async () => {
        const { provider, mails, reader } = services();
        reader.countSkew = { contact: [1, 1] };
        await expect(createBackupTimerHandler(provider)({}, context())).rejects.toThrow(/is incomplete/);
        expect(mails[0]?.subject).toMatch(/^CRM backup incomplete: /);
        expect(mails[0]?.to).toEqual(['integration-team@contoso.example']);
    });

    it('alerts even when the container cannot be opened, and fails the invocation', async () => {
        const { s, provider, mails } = services();
        s.backup.files = async () => {
            throw new BlobStoreError('Blob Storage opening container crm-backups: ECONNREFUSED');
        };
        await expect(createBackupTimerHandler(provider)({}, context())).rejects.toThrow(/ECONNREFUSED/);
        expect(mails[0]?.subject).toMatch(/^CRM backup failed/);
        expect(mails[0]?.html).toContain('BACKUP_STORAGE_FAILED');
    });
});
