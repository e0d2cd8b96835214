/** Every span and metric name the integration emits: one list, so docs/monitoring.md and the tests agree with the code. */
export const tracerName = 're-crm-erp-integration';

export const spanNames = {
    intake: 'dataverse-event intake',
    queueSend: 'queue send',
    process: 'process-transaction',
    erpPost: 'erp post',
    erpLookup: 'erp lookup',
    erpPeriodStatus: 'erp period status',
    crmRetrieve: 'crm retrieve',
    crmWriteBack: 'crm write-back',
    graphMail: 'graph send mail',
    graphChannel: 'graph post to channel',
} as const;

export const metricNames = {
    /** Counter {type}: transactions recorded as accepted (throughput in). */
    accepted: 'transactions.accepted',
    /** Counter {state, type}: every state a transaction enters (posted, confirmed, parked, review, ...). */
    stateChanges: 'transactions.state_changes',
    /** Counter {class, owner, code}: failures recorded on transactions. */
    failures: 'transactions.failures',
    /** Histogram ms {type}: acceptance → ERP posting. */
    latencyPosted: 'transactions.latency.posted',
    /** Histogram ms {type}: acceptance → confirmation written back to the CRM. */
    latencyConfirmed: 'transactions.latency.confirmed',
    /** Gauge {state}: transactions in each non-final state (the integration's own backlog). */
    open: 'transactions.open',
    /** Gauge s: age of the oldest parked transaction (0 when none). */
    parkedOldestAge: 'transactions.parked.oldest_age',
    /** Counter {type, attempt, outcome}: ERP calls, first attempts apart from retries and probes (emittingCallMeter). */
    erpCalls: 'erp.calls',
    /** Histogram ms {operation, outcome}: duration of ERP calls. */
    erpDuration: 'erp.call.duration',
} as const;
