// The function app on the Flex Consumption plan, running as the user-assigned identity. Settings the code reads
// arrive in `appSettings` (main.bicep); this file adds the host's own identity-based connections.
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerName string
param applicationInsightsName string
param maximumInstanceCount int
@description('Entra app registration of the ops console (App Service Authentication).')
param consoleAppClientId string
param appSettings object

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource functionApp 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  // azd deploys the `api` service of azure.yaml to the site carrying this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references in app settings are resolved with this identity.
    keyVaultReferenceIdentity: identityId
    siteConfig: { minTlsVersion: '1.2', ftpsState: 'Disabled' }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: 2048
        maximumInstanceCount: maximumInstanceCount
      }
      // Node 20: the version the project pins (package.json engines, vitest 4, azurite 3.35).
      runtime: { name: 'node', version: '20' }
    }
  }
}

// The host's connections, identity-based: `__credential`/`__clientId` select the managed identity, and the
// service URI replaces the connection string (no AccountKey, no SharedAccessKey anywhere).
var hostSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  ServiceBusConnection__credential: 'managedidentity'
  ServiceBusConnection__clientId: identityClientId
  // The connection string only locates the resource; with local auth disabled, writing needs the Entra token below.
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // Alerts link to the ops console; the host name is only known once the site exists.
  CONSOLE_BASE_URL: 'https://${functionApp.properties.defaultHostName}/api/console'
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(hostSettings, appSettings)
}

// App Service Authentication (CONSOLE_AUTH=easyAuth): the platform validates the console's Entra ID sign-in and the
// bearer tokens of the connector's OAuth connection (v2 tokens for this registration: infra/entra/), and sets
// x-ms-client-principal, stripping any such header a caller sends. Without it anyone could send the header, so it is
// always deployed. Unauthenticated requests are allowed through, because the Dataverse webhook has no Entra token
// (it has its function key or header secret); the app itself requires the principal and the app role
// (Console.Read/Console.Act) on every operator API and the console (functions/auth/). No client secret: sign-in uses
// the ID token (ID tokens on in the registration), whose roles claim carries the app roles. See docs/access.md.
resource authentication 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: { requireAuthentication: false, unauthenticatedClientAction: 'AllowAnonymous' }
    httpSettings: { requireHttps: true }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: consoleAppClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: { allowedAudiences: [consoleAppClientId, 'api://${consoleAppClientId}'] }
      }
    }
  }
}

output name string = functionApp.name
output url string = 'https://${functionApp.properties.defaultHostName}'
