// What an on-call person is woken for. Each rule says what it watches and who acts; log rules read the messages
// the code writes (test/infra/monitoring.test.ts checks that every message a rule looks for is still logged).
param actionGroupName string
@description('E-mail receiver of the alerts; empty: the action group has no receiver yet.')
param alertEmail string
param location string
param tags object
param applicationInsightsName string
param serviceBusNamespaceName string
param queueName string

@description('ERP calls failing (transient or defect) above this share over 15 minutes is a spike.')
param failureRateThreshold int = 20

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

var emailReceivers = empty(alertEmail) ? [] : [{ name: 'integration-ops', emailAddress: alertEmail, useCommonAlertSchema: true }]

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'crm-erp'
    enabled: true
    emailReceivers: emailReceivers
  }
}

// A dead-lettered transaction was accepted from the CRM and did not reach the ERP by itself: someone must look
// (the review queue shows it). Any at all is worth an alert.
resource deadLetters 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'dead-letters-${queueName}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Dead-lettered transactions in the session queue: accepted from the CRM, not posted; see the review queue.'
    severity: 1
    enabled: true
    scopes: [serviceBus.id]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'deadLettered'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [{ name: 'EntityName', operator: 'Include', values: [queueName] }]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    autoMitigate: true
    actions: [{ actionGroupId: actionGroup.id }]
  }
}

// ERP calls failing as transient (5xx, timeouts) or defect (400, mapping) above the threshold: an ERP outage or a
// broken contract after an upgrade (run `npm run smoke`). Business blocks (frozen period) are not failures here.
resource failureRateSpike 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'erp-failure-rate-spike'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'ERP failure rate spike'
    description: 'More than ${failureRateThreshold}% of ERP calls failed (transient or defect) in 15 minutes, with at least 20 calls.'
    severity: 2
    enabled: true
    scopes: [applicationInsights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where name == "erp.calls" | extend outcome = tostring(customDimensions.outcome) | summarize calls = sum(valueSum), failed = sumif(valueSum, outcome in ("transient", "defect")) | where calls >= 20 and failed * 100.0 / calls > ${failureRateThreshold}'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [actionGroup.id] }
  }
}

// A business block (frozen period, milestone not reached, active plan) that has held transactions for more than
// 12 hours: its owner (finance, project, sales operations; the console names them) has not cleared it. Reads the
// gauge the app reports at most once a minute per worker (transactions.parked.oldest_age, seconds).
resource parkedTooLong 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'transactions-parked-too-long'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Transactions parked too long'
    description: 'The oldest parked transaction has waited over 12 hours for its condition; its owner must act.'
    severity: 3
    enabled: true
    scopes: [applicationInsights.id]
    evaluationFrequency: 'PT30M'
    windowSize: 'PT30M'
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where name == "transactions.parked.oldest_age" | summarize oldestSeconds = max(valueMax) | where oldestSeconds > 12 * 3600'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: [actionGroup.id] }
  }
}

// A handover notice or a Teams alert that gave up (no owner, no e-mail, retries exhausted): a buyer or an owner
// was not told. The log line carries the failure code, never the buyer's address.
resource noticeFailures 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'notice-failures'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Notice failures'
    description: 'A handover notice failed for good, or an alert could not be delivered.'
    severity: 2
    enabled: true
    scopes: [applicationInsights.id]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'traces | where message startswith \'handover notice failed\' or message startswith \'alert not delivered\''
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: false
    actions: { actionGroups: [actionGroup.id] }
  }
}
