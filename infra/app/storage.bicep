// Two accounts: the app's (host state, the Flex deployment package, the integration's tables) and the backup
// exports', apart so that the backups keep their own protection and lifetime and nothing that clears the app's
// account can reach them. Shared keys are off on both: only Entra ID (managed identity) can read or write.
param name string
param backupAccountName string
param backupContainerName string
param deploymentContainerName string
param reconciliationContainerName string
param location string
param tags object

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

// Flex Consumption deploys the app package from this container (functionAppConfig.deployment.storage).
resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: { publicAccess: 'None' }
}

// Reconciliation reports at close (RECONCILIATION_CONTAINER).
resource reconciliationContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: reconciliationContainerName
  properties: { publicAccess: 'None' }
}

resource backupStorage 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: backupAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  // Zone-redundant: a backup must outlive the loss of one datacentre.
  sku: { name: 'Standard_ZRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource backupBlobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: backupStorage
  name: 'default'
  properties: {
    // An overwritten or deleted export can be recovered for 30 days.
    isVersioningEnabled: true
    deleteRetentionPolicy: { enabled: true, days: 30 }
    containerDeleteRetentionPolicy: { enabled: true, days: 30 }
  }
}

resource backupContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: backupBlobService
  name: backupContainerName
  properties: { publicAccess: 'None' }
}

output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output tableEndpoint string = storage.properties.primaryEndpoints.table
output backupAccountName string = backupStorage.name
output backupBlobEndpoint string = backupStorage.properties.primaryEndpoints.blob
output backupContainerName string = backupContainer.name
