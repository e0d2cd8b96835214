import { type LocalSettings, loadLocalSettings } from '../../local/localSettings';

/** Local runtime settings for a test: its own state folder and every port chosen free, plus what the test overrides. */
export function localTestSettings(stateDir: string, overrides: Record<string, string> = {}): LocalSettings {
    return loadLocalSettings({
        LOCAL_STATE_DIR: stateDir,
        LOCAL_HOST_PORT: '0',
        LOCAL_ERP_PORT: '0',
        LOCAL_DATAVERSE_PORT: '0',
        LOCAL_GRAPH_PORT: '0',
        LOCAL_AZURITE_BLOB_PORT: '0',
        LOCAL_AZURITE_TABLE_PORT: '0',
        ...overrides,
    });
}
