import type { ConnectorInfo } from './swaggerDocument';

/** The connector's identity. The host is a placeholder: each connection points at its own Function app. */
export const connectorInfo: ConnectorInfo = {
    title: 'Real Estate CRM ERP Sync',
    description:
        'Sends Dynamics 365 (Dataverse) changes of a real-estate developer to its ERP in unit order, reads a transaction status and audit trail, works the review queue and parked conditions, and starts flows when a transaction is parked, sent to review or posted.',
    version: '1.1.0',
    contact: {
        name: 'Integration team',
        url: 'https://github.com/contoso/re-crm-erp-integration',
        email: 'integration@contoso.com',
    },
    host: 'your-function-app.azurewebsites.net',
    oauth: {
        authorizationUrl: 'https://login.microsoftonline.com/common/oauth2/authorize',
        tokenUrl: 'https://login.windows.net/common/oauth2/authorize',
    },
    metadata: {
        website: 'https://github.com/contoso/re-crm-erp-integration',
        privacyPolicy: 'https://github.com/contoso/re-crm-erp-integration/blob/main/connector/README.md#privacy',
        categories: 'IT Operations;Finance',
    },
};
