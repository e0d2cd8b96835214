import type { NormalizedAttributes } from '../dataverse/normalizedEvent';

/** Dataverse Web API: reading a row (oversized events, look-ups) and writing the integration's confirmation fields. */
export interface CrmClient {
    /** The row's columns in normalised form, or undefined when the row does not exist. */
    retrieve(entity: string, id: string, columns?: string[]): Promise<NormalizedAttributes | undefined>;
    /** PATCHes only integration-owned columns (the caller guarantees that; the adapter refuses others). */
    writeBack(entity: string, id: string, fields: Record<string, string | number | null>): Promise<void>;
}
