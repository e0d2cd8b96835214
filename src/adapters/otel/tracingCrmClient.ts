import { SpanKind, type Tracer } from '@opentelemetry/api';
import type { CrmClient } from '../../ports/crmClient';
import { inSpan } from '../../telemetry/inSpan';
import { spanNames } from '../../telemetry/telemetryNames';

/** The Dataverse client with a client span per call: table and column names, never ids or values (a contact row is a buyer). */
export function tracingCrmClient(inner: CrmClient, tracer: Tracer): CrmClient {
    return {
        retrieve: (entity, id, columns) =>
            inSpan(
                tracer,
                spanNames.crmRetrieve,
                { kind: SpanKind.CLIENT, attributes: { 'crm.entity': entity } },
                () => inner.retrieve(entity, id, columns),
                (row, span) => span.setAttribute('crm.found', row !== undefined),
            ),
        writeBack: (entity, id, fields) =>
            inSpan(
                tracer,
                spanNames.crmWriteBack,
                {
                    kind: SpanKind.CLIENT,
                    attributes: { 'crm.entity': entity, 'crm.columns': Object.keys(fields) },
                },
                () => inner.writeBack(entity, id, fields),
            ),
    };
}
