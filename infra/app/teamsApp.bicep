// The Teams app's Entra registration: alerts, escalations and summaries are posted to Teams channels as this app,
// which resource-specific consent (ChannelMessage.Send.Group in teams/manifest.template.json) lets post in the
// teams it is installed in. No secret anywhere: its only credential is a federated identity credential trusting the
// function app's managed identity, whose token the code presents as the client assertion
// (src/adapters/graph/teamsAppCredential.ts). Needs the Microsoft Graph Bicep extension (infra/bicepconfig.json)
// and a deploying identity allowed to create app registrations (docs/notifications.md).
extension microsoftGraphV1

@description('Graph uniqueName of the registration (its alternate key: deploying again updates the same app).')
param uniqueName string

@description('Name shown in Entra ID and in the Teams consent prompt.')
param displayName string

@description('Principal (object) id of the function app\'s user-assigned managed identity.')
param managedIdentityPrincipalId string

resource app 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: uniqueName
  displayName: displayName
  signInAudience: 'AzureADMyOrg'
  // No passwordCredentials or keyCredentials: the federated credential below is the only way to act as this app.
}

// Entra accepts the managed identity's token (audience api://AzureADTokenExchange) as this app's client assertion.
resource managedIdentityCredential 'Microsoft.Graph/applications/federatedIdentityCredentials@v1.0' = {
  name: '${app.uniqueName}/function-app-managed-identity'
  description: 'The integration function app\'s managed identity posts Teams channel messages as this app.'
  audiences: ['api://AzureADTokenExchange']
  issuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
  subject: managedIdentityPrincipalId
}

// The app's identity in this tenant, which the Teams app installation grants the team's RSC permission to.
resource servicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: app.appId
}

output clientId string = app.appId
output tenantId string = tenant().tenantId
output servicePrincipalId string = servicePrincipal.id
