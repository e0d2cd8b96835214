import { describe, expect, it } from 'vitest';
import { azureMonitorOptions, startAzureMonitor } from '../../../src/adapters/azure/azureMonitor';

// Starting the export itself needs a live Application Insights resource and a managed identity; not run here.
describe('Azure Monitor start-up', () => {
    it('is off without a connection string, and starts nothing', () => {
        expect(azureMonitorOptions({})).toBeUndefined();
        expect(azureMonitorOptions({ APPLICATIONINSIGHTS_CONNECTION_STRING: '  ' })).toBeUndefined();
        expect(startAzureMonitor({ AZURE_CLIENT_ID: 'id-1' })).toBe(false);
    });

    it('samples every trace, with the managed identity when one is named', () => {
        const on = azureMonitorOptions({
            APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=x',
            AZURE_CLIENT_ID: 'id-1',
        });
        expect(on).toMatchObject({
            connectionString: 'InstrumentationKey=x',
            managedIdentityClientId: 'id-1',
            options: { samplingRatio: 1, tracesPerSecond: 0 },
        });
        const withoutId = azureMonitorOptions({ APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=x' });
        expect(withoutId).not.toHaveProperty('managedIdentityClientId');
    });
});
