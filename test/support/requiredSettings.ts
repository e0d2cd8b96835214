/** The app settings without a default (src/config/settings.ts), with example values: a start for settings tests. */
export const requiredSettings = {
    ServiceBusConnection__fullyQualifiedNamespace: 'sb-contoso.servicebus.windows.net',
    STORAGE_TABLE_ENDPOINT: 'https://stcontoso.table.core.windows.net',
    ERP_BASE_URL: 'https://erp.contoso.example',
    ERP_SCOPE: 'api://contoso-erp/.default',
    DATAVERSE_URL: 'https://contoso.crm15.dynamics.com',
    GRAPH_SHARED_MAILBOX: 'integration@contoso.example',
};
