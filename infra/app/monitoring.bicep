// Application Insights on a Log Analytics workspace: function logs, requests, exceptions and the OpenTelemetry
// metrics (erp.calls …) land in the workspace, where the alert rules and the workbook query them.
param logAnalyticsName string
param applicationInsightsName string
param location string
param tags object

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    // Audit questions ("when did this posting fail?") come months later; the audit trail itself is in Table Storage.
    retentionInDays: 90
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    // Only Entra ID-authenticated telemetry is accepted (the identity has Monitoring Metrics Publisher):
    // the connection string alone cannot be used to write.
    DisableLocalAuth: true
  }
}

output applicationInsightsName string = applicationInsights.name
output logAnalyticsName string = logAnalytics.name
