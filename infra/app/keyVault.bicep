// Secrets the app must not hold in settings: the intake's header secret (INTAKE_AUTH_MODE=header) and the ERP's
// credentials where the ERP takes more than an Entra ID token (e.g. a test-mode API key). App settings refer to
// them (@Microsoft.KeyVault(...)); the identity reads them with Key Vault Secrets User. Values are set by an
// operator (docs/deployment.md), never by this template, so no secret passes through a deployment.
param name string
param location string
param tags object

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    // Access by Azure RBAC roles, not vault access policies: one model for every resource.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
