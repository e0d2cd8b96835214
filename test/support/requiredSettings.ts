/** The settings without a default: with these alone the schema parses, everything else at its default. */
export const requiredSettings = {
    ServiceBusConnection__fullyQualifiedNamespace: 'x.servicebus.windows.net',
    STORAGE_TABLE_ENDPOINT: 'https://x.table.core.windows.net/',
    ERP_BASE_URL: 'https://erp.example/',
    ERP_SCOPE: 'api://erp/.default',
    DATAVERSE_URL: 'https://x.crm.dynamics.com/',
    GRAPH_SHARED_MAILBOX: 'a@b.example',
};
