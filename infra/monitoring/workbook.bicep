// The portal dashboard of the integration (Azure Monitor workbook): flow, ERP outcomes, waiting work, dead letters.
// Its panels are in workbook.json so they can be edited in the portal and pasted back.
param location string
param tags object
param applicationInsightsName string
param serviceBusNamespaceName string

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // A workbook's name must be a GUID; stable per resource group so re-provisioning updates it.
  name: guid(resourceGroup().id, 'crm-erp-integration-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'CRM to ERP integration'
    category: 'workbook'
    sourceId: applicationInsights.id
    serializedData: replace(loadTextContent('./workbook.json'), '__SERVICE_BUS_ID__', serviceBus.id)
  }
}

output id string = workbook.id
