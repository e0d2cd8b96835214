// The session queue every accepted Dataverse event goes through. Its behaviour (sessions, lock, deliveries,
// expiry, duplicate detection) is set in main.bicep's `transactionsQueue`, where each value is explained.
param name string
param queue object
param location string
param tags object

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  // Standard: sessions and duplicate detection do not exist on Basic.
  sku: { name: 'Standard', tier: 'Standard' }
  properties: {
    // No SAS keys: senders and receivers use Entra ID (Azure Service Bus Data Sender/Receiver).
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource transactionsQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: queue.name
  properties: {
    requiresSession: queue.requiresSession
    lockDuration: queue.lockDuration
    maxDeliveryCount: queue.maxDeliveryCount
    deadLetteringOnMessageExpiration: queue.deadLetteringOnMessageExpiration
    defaultMessageTimeToLive: queue.defaultMessageTimeToLive
    requiresDuplicateDetection: queue.requiresDuplicateDetection
    duplicateDetectionHistoryTimeWindow: queue.duplicateDetectionHistoryTimeWindow
  }
}

output name string = namespace.name
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
output queueName string = transactionsQueue.name
