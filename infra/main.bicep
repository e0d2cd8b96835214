// The integration layer on Azure: `azd up` provisions this file (see docs/deployment.md).
// Every Azure connection is identity-based: one user-assigned managed identity, data-plane roles, no keys or
// connection strings in app settings. test/infra/ checks this file against the code (settings, queue, host.json).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names and tags every resource.')
param environmentName string

@minLength(1)
@description('Azure region for all resources (one that offers the Flex Consumption plan).')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the deploying developer; gets the same data roles to run the smoke test. Empty in CI.')
param principalId string = ''

@description('Base URL of the ERP REST contract, e.g. https://erp.contoso.example/.')
param erpBaseUrl string

@description('Entra ID scope of the ERP app registration, e.g. api://contoso-erp/.default.')
param erpScope string

@description('Dataverse environment URL, e.g. https://contoso.crm4.dynamics.com/.')
param dataverseUrl string

@description('Shared mailbox the handover notices are sent from (Graph).')
param graphSharedMailbox string

@description('Who receives the alert e-mails (action group); empty: alerts fire without a receiver.')
param alertEmail string = ''

@allowed(['functionKey', 'header'])
@description('How Dataverse authenticates to the intake: the dataverse-events function key, or a header secret kept in Key Vault.')
param intakeAuthMode string = 'functionKey'

@allowed(['off', 'on'])
@description('Header mode: `on` while the header secret is rotated; the app then also accepts the Key Vault secret webhook-header-secret-next (docs/access.md).')
param webhookSecretRotation string = 'off'

@description('Client id of the Function app\'s Entra app registration: console sign-in and the operator APIs\' tokens (app roles Console.Read, Console.Act; ID tokens on; infra/entra/).')
param consoleAppClientId string

@description('Teams channel of the reconciliation summary as <teamId>/<channelId>; empty: no summary post.')
param reconciliationChannel string = ''

@description('Upper bound of Flex Consumption instances. The ERP pacing (erpRateLimitPerSec) is shared by all of them.')
param maximumInstanceCount int = 40

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

// The session queue, set once here and handed to both the namespace and the app's settings, so the queue and the
// code cannot disagree (test/infra/settingsAgreement.test.ts).
var transactionsQueue = {
  name: 'crm-transactions'
  // One session per unit (unit-<id>): a unit's transactions in CRM order, units in parallel.
  requiresSession: true
  // A receiver holds a session this long before renewing; the host renews it while a delivery runs
  // (host.json maxAutoLockRenewalDuration). Short, so a crashed worker's units resume within a minute.
  lockDuration: 'PT1M'
  // The 10th failed delivery dead-letters the message; the handler records that last delivery itself
  // (app setting MAX_DELIVERY_COUNT must be the same number).
  maxDeliveryCount: 10
  // An accepted transaction never silently expires: expiry moves it to the dead-letter queue, which alerts.
  deadLetteringOnMessageExpiration: true
  // 14 days: longer than any wait in the queue (retries are minutes, parked work waits in Table Storage).
  defaultMessageTimeToLive: 'P14D'
  // The message id is the idempotency key, so Dataverse's own webhook retries and replays within a day are
  // dropped by Service Bus before they reach the ERP (the ERP's Idempotency-Key is the second guard).
  requiresDuplicateDetection: true
  duplicateDetectionHistoryTimeWindow: 'P1D'
}

// Blob container of the backup exports, in its own storage account (the code's default name).
var backupContainerName = 'crm-backups'
var deploymentContainerName = 'app-package'
// Reconciliation reports at close, in the app's account (the code's default name).
var reconciliationContainerName = 'reconciliations'

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity './app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}${resourceToken}'
    location: location
    tags: tags
  }
}

// The Teams app's Entra registration, reached from the identity above through a federated credential (no secret).
module teamsApp './app/teamsApp.bicep' = {
  name: 'teamsApp'
  scope: rg
  params: {
    uniqueName: 'integration-teams-${resourceToken}'
    displayName: 'CRM-ERP integration alerts (${environmentName})'
    managedIdentityPrincipalId: identity.outputs.principalId
  }
}

module monitoring './app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module storage './app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    backupAccountName: '${abbrs.storageStorageAccounts}bk${resourceToken}'
    backupContainerName: backupContainerName
    deploymentContainerName: deploymentContainerName
    reconciliationContainerName: reconciliationContainerName
    location: location
    tags: tags
  }
}

module serviceBus './app/serviceBus.bicep' = {
  name: 'serviceBus'
  scope: rg
  params: {
    name: '${abbrs.serviceBusNamespaces}${resourceToken}'
    queue: transactionsQueue
    location: location
    tags: tags
  }
}

module keyVault './app/keyVault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
  }
}

module roles './app/roles.bicep' = {
  name: 'roles'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    developerPrincipalId: principalId
    storageAccountName: storage.outputs.name
    backupAccountName: storage.outputs.backupAccountName
    serviceBusNamespaceName: serviceBus.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

// Every setting the code reads (src/config/settings.ts), named as the code names it. Host-level settings
// (AzureWebJobsStorage__*, Application Insights, the trigger's identity) are added in app/functionApp.bicep.
var integrationSettings = {
  INTAKE_AUTH_MODE: intakeAuthMode
  WEBHOOK_HEADER_NAME: 'x-webhook-key'
  TRANSACTIONS_QUEUE_NAME: transactionsQueue.name
  ServiceBusConnection__fullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
  MAX_DELIVERY_COUNT: string(transactionsQueue.maxDeliveryCount)
  STORAGE_TABLE_ENDPOINT: storage.outputs.tableEndpoint
  ERP_BASE_URL: erpBaseUrl
  ERP_SCOPE: erpScope
  ERP_TIMEOUT_MS: '15000'
  DATAVERSE_URL: dataverseUrl
  DATAVERSE_TIMEOUT_MS: '15000'
  GRAPH_BASE_URL: 'https://graph.microsoft.com/'
  GRAPH_SHARED_MAILBOX: graphSharedMailbox
  AZURE_CLIENT_ID: identity.outputs.clientId
  // Channel messages are posted as the Teams app registration (mail stays with the managed identity).
  TEAMS_APP_CLIENT_ID: teamsApp.outputs.clientId
  TEAMS_APP_TENANT_ID: teamsApp.outputs.tenantId
  PROBE_SCHEDULE: '0 */1 * * * *'
  STUCK_SWEEP_SCHEDULE: '0 */10 * * * *'
  RETENTION_DAYS: '400'
  RETENTION_SCHEDULE: '0 30 3 * * *'
  // The operator APIs and the console trust App Service Authentication (Entra ID, app roles Console.Read/Console.Act);
  // the code refuses `none` in Azure.
  CONSOLE_AUTH: 'easyAuth'
  // Weekly export of the integration's tables and the CRM rows to the backup account (Sundays 02:00 UTC).
  BACKUP_SCHEDULE: '0 0 2 * * 0'
  BACKUP_BLOB_ENDPOINT: storage.outputs.backupBlobEndpoint
  BACKUP_CONTAINER: backupContainerName
  BACKUP_PAGE_SIZE: '1000'
  // Empty: the shared mailbox hears of a failed backup.
  BACKUP_ALERT_TO: alertEmail
  // Handover notices, grouped alerts and escalation every two minutes; the end-of-day summary at 19:00 UTC.
  NOTIFY_SCHEDULE: '0 */2 * * * *'
  SUMMARY_SCHEDULE: '0 0 19 * * *'
  // The sweep for Dataverse events the webhook missed: daily at 18:00 UTC, before the summary that reports it; at most
  // 200 pages of 500 rows per run (Dataverse service protection limits).
  SWEEP_SCHEDULE: '0 0 18 * * *'
  SWEEP_PAGE_SIZE: '500'
  SWEEP_MAX_READS: '200'
  OWNERS_PATH: 'config/owners.v1.json'
  NOTICE_TEMPLATES_PATH: 'config/notice-templates.v1.json'
  // Reconciliation at close: the previous month, on the 3rd at 06:00 UTC.
  RECONCILIATION_SCHEDULE: '0 0 6 3 * *'
  RECONCILIATION_CONTAINER: reconciliationContainerName
  RECOGNITION_RULE_PATH: 'config/recognition-rule.v1.json'
  ENTITY_MAP_PATH: 'config/entity-map.v1.json'
  ERP_MAP_PATH: 'config/erp-map.v1.json'
  ERP_FAILURE_RULES_PATH: 'config/erp-failure-rules.v1.json'
  RETRY_POLICY_PATH: 'config/retry-policy.v1.json'
}

// The header secret exists only in header mode, as a Key Vault reference: never a value in app settings. During a
// rotation the next secret is accepted too, so Dataverse moves to it without a 401 in between.
var headerSecretSettings = intakeAuthMode == 'header' ? { WEBHOOK_HEADER_SECRET: '@Microsoft.KeyVault(VaultName=${keyVault.outputs.name};SecretName=webhook-header-secret)' } : {}
var nextHeaderSecretSettings = intakeAuthMode == 'header' && webhookSecretRotation == 'on' ? { WEBHOOK_HEADER_SECRET_NEXT: '@Microsoft.KeyVault(VaultName=${keyVault.outputs.name};SecretName=webhook-header-secret-next)' } : {}

// Only set when a channel is given: the code refuses an empty value.
var channelSettings = empty(reconciliationChannel) ? {} : { RECONCILIATION_CHANNEL: reconciliationChannel }

module functionApp './app/functionApp.bicep' = {
  name: 'functionApp'
  scope: rg
  params: {
    name: '${abbrs.webSitesFunctions}${resourceToken}'
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    maximumInstanceCount: maximumInstanceCount
    consoleAppClientId: consoleAppClientId
    appSettings: union(integrationSettings, headerSecretSettings, nextHeaderSecretSettings, channelSettings)
  }
  dependsOn: [roles]
}

module alerts './monitoring/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    actionGroupName: '${abbrs.insightsActionGroups}${resourceToken}'
    alertEmail: alertEmail
    location: location
    tags: tags
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    serviceBusNamespaceName: serviceBus.outputs.name
    queueName: transactionsQueue.name
  }
}

module workbook './monitoring/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    location: location
    tags: tags
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    serviceBusNamespaceName: serviceBus.outputs.name
  }
}

// azd keeps these in the environment (azd env get-values): the smoke test and local.settings.json read them.
output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_URL string = functionApp.outputs.url
output AZURE_CLIENT_ID string = identity.outputs.clientId
output SERVICEBUS_FULLY_QUALIFIED_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output TRANSACTIONS_QUEUE_NAME string = transactionsQueue.name
output STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output BACKUP_BLOB_ENDPOINT string = storage.outputs.backupBlobEndpoint
output KEY_VAULT_NAME string = keyVault.outputs.name
// `npm run teams:package` writes this into the Teams app manifest (webApplicationInfo.id and the app id).
output TEAMS_APP_CLIENT_ID string = teamsApp.outputs.clientId
output TEAMS_APP_TENANT_ID string = teamsApp.outputs.tenantId
