// Data-plane roles of the app's identity, each on the one resource it needs, so identity-based connections work
// without any key or connection string. The deploying developer gets the same roles (to run `npm run smoke`).
param principalId string
@description('Object id of the deploying developer; empty: no developer roles.')
param developerPrincipalId string = ''
param storageAccountName string
param backupAccountName string
param serviceBusNamespaceName string
param keyVaultName string
param applicationInsightsName string

// Built-in role definition ids (the same in every tenant).
var roleIds = {
  // Receive the session queue (process-transaction trigger, session locks, settle).
  'Azure Service Bus Data Receiver': '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  // Send to it (intake enqueues; retries and reprocessing are control messages in the unit's session).
  'Azure Service Bus Data Sender': '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  // The integration's tables: transactions, audit, mapping, conditions, session gates, meter.
  'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  // Host storage (AzureWebJobsStorage: timer leases, keys) and the Flex deployment container.
  'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  // Write and read the backup exports (not Owner: it cannot change the account's protection).
  'Storage Blob Data Contributor': 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  // Resolve @Microsoft.KeyVault(...) app settings and read the ERP's credentials.
  'Key Vault Secrets User': '4633458b-17de-408a-b874-0445c86b69e6'
  // Send telemetry to Application Insights with Entra ID (local auth is disabled there).
  'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb'
}

var serviceBusRoles = ['Azure Service Bus Data Receiver', 'Azure Service Bus Data Sender']
var storageRoles = ['Storage Table Data Contributor', 'Storage Blob Data Owner']
var backupRoles = ['Storage Blob Data Contributor']
var keyVaultRoles = ['Key Vault Secrets User']
var monitoringRoles = ['Monitoring Metrics Publisher']

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource backupStorage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: backupAccountName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource serviceBusAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in serviceBusRoles: {
  name: guid(serviceBus.id, principalId, roleIds[role])
  scope: serviceBus
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds[role])
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}]

resource storageAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in storageRoles: {
  name: guid(storage.id, principalId, roleIds[role])
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds[role])
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}]

resource backupAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in backupRoles: {
  name: guid(backupStorage.id, principalId, roleIds[role])
  scope: backupStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds[role])
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}]

resource keyVaultAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in keyVaultRoles: {
  name: guid(vault.id, principalId, roleIds[role])
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds[role])
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}]

resource monitoringAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in monitoringRoles: {
  name: guid(applicationInsights.id, principalId, roleIds[role])
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds[role])
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}]

// The developer who runs `azd up` can send, receive and read tables for the smoke test; no blob or vault rights.
var developerServiceBusRoles = empty(developerPrincipalId) ? [] : serviceBusRoles
var developerStorageRoles = empty(developerPrincipalId) ? [] : ['Storage Table Data Contributor']

resource developerServiceBusAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in developerServiceBusRoles: {
  name: guid(serviceBus.id, developerPrincipalId, roleIds[role])
  scope: serviceBus
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds[role])
    principalId: developerPrincipalId
    principalType: 'User'
  }
}]

resource developerStorageAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in developerStorageRoles: {
  name: guid(storage.id, developerPrincipalId, roleIds[role])
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds[role])
    principalId: developerPrincipalId
    principalType: 'User'
  }
}]
