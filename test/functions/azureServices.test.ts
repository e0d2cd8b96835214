import { DefaultAzureCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { channelToken } from '../../functions/azureServices';
import { loadSettings } from '../../src/config/settings';
import { requiredSettings } from '../support/requiredSettings';

const required = requiredSettings;

describe('the Teams app settings', () => {
    it('are set together or not at all, naming the one missing', () => {
        expect(() =>
            loadSettings({ ...required, TEAMS_APP_CLIENT_ID: '2f9e8d7c-6b5a-4c3d-9e1f-0a2b3c4d5e6f' }),
        ).toThrow(/TEAMS_APP_TENANT_ID.*set together/s);
        expect(() =>
            loadSettings({ ...required, TEAMS_APP_CLIENT_ID: 'not-a-guid', TEAMS_APP_TENANT_ID: 'x' }),
        ).toThrow(/TEAMS_APP_CLIENT_ID/);
    });

    it('without them, a channel post is refused with TeamsAppNotConfigured (mail fallback and alert follow), not retried as an outage', async () => {
        const token = channelToken(loadSettings(required), new DefaultAzureCredential());
        await expect(token()).rejects.toMatchObject({
            code: 'GRAPH_REQUEST_REJECTED',
            status: 401,
            graphCode: 'TeamsAppNotConfigured',
        });
    });
});
