import { describe, expect, it } from 'vitest';
import { backupBlobEndpoint, loadSettings } from '../../src/config/settings';
import { requiredSettings } from '../support/requiredSettings';

const base = requiredSettings;

describe('backup settings', () => {
    it('defaults to a weekly run into a private container of the state storage account', () => {
        const s = loadSettings(base);
        expect([s.BACKUP_SCHEDULE, s.BACKUP_CONTAINER, s.BACKUP_PAGE_SIZE, s.BACKUP_ALERT_TO]).toEqual([
            '0 0 2 * * 0',
            'crm-backups',
            1000,
            [],
        ]);
        expect(backupBlobEndpoint(s)).toBe('https://stcontoso.blob.core.windows.net');
    });

    it('takes an explicit endpoint and a list of alert recipients', () => {
        const s = loadSettings({
            ...base,
            BACKUP_BLOB_ENDPOINT: 'https://stbackup.blob.core.windows.net',
            BACKUP_ALERT_TO: 'ops@contoso.example; it@contoso.example',
        });
        expect(backupBlobEndpoint(s)).toBe('https://stbackup.blob.core.windows.net');
        expect(s.BACKUP_ALERT_TO).toEqual(['ops@contoso.example', 'it@contoso.example']);
    });

    it.each([
        [{ BACKUP_CONTAINER: 'CRM_Backups' }, 'BACKUP_CONTAINER'],
        [{ BACKUP_PAGE_SIZE: '6000' }, 'BACKUP_PAGE_SIZE'],
        [{ BACKUP_ALERT_TO: 'ops@contoso.example, not-an-address' }, 'BACKUP_ALERT_TO'],
        [{ STORAGE_TABLE_ENDPOINT: 'http://127.0.0.1:10002/devstoreaccount1' }, 'BACKUP_BLOB_ENDPOINT'],
    ])('stops start-up naming the bad setting (%o)', (bad, name) => {
        expect(() => loadSettings({ ...base, ...bad })).toThrow(name);
    });
});
