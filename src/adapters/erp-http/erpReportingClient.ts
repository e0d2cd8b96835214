import { z } from 'zod';
import type { ErpBuildingFigures, ErpRecord, ErpReporting } from '../../ports/erpReporting';
import { ErpReportingError } from '../../ports/erpReporting';

export interface ErpReportingClientOptions {
    baseUrl: string;
    /** An Entra ID access token for the ERP's scope (the same app registration as the posting API). */
    getToken: () => Promise<string>;
    timeoutMs: number;
}

const money = z.number().finite();
const figuresSchema = z.object({
    period: z.string(),
    buildings: z.array(
        z.object({
            buildingCode: z.string(),
            percentComplete: z.number().min(0).max(100),
            progressPeriod: z.string().nullable(),
            reservations: z.number().int().min(0),
            contractValue: money,
            bookingAmount: money,
            invoiced: money,
            received: money,
            allocated: money,
            onAccount: money,
            recognisedRevenue: money,
        }),
    ),
});
const recordsSchema = z.object({
    records: z.array(
        z.object({
            type: z.enum(['reservation', 'instalment', 'receipt']),
            reference: z.string(),
            sourceRecordId: z.string(),
            postingId: z.string(),
            reservationNumber: z.string(),
            amount: money,
            status: z.string(),
        }),
    ),
});

/** The ERP's reporting reads over the REST contract (`GET /erp/v1/reports/*`), validated with zod. */
export class ErpReportingClient implements ErpReporting {
    readonly #options: ErpReportingClientOptions;

    constructor(options: ErpReportingClientOptions) {
        this.#options = options;
    }

    async buildingFigures(period: string): Promise<ErpBuildingFigures[]> {
        const body = await this.#get(`/erp/v1/reports/revenue?period=${encodeURIComponent(period)}`, figuresSchema);
        return body.buildings;
    }

    async records(period: string, buildingCode: string): Promise<ErpRecord[]> {
        const query = `period=${encodeURIComponent(period)}&buildingCode=${encodeURIComponent(buildingCode)}`;
        return (await this.#get(`/erp/v1/reports/records?${query}`, recordsSchema)).records;
    }

    async #get<T>(path: string, schema: z.ZodType<T>): Promise<T> {
        const label = `GET ${path.split('?')[0]}`;
        let response: Response;
        let text: string;
        try {
            const token = await this.#options.getToken();
            response = await fetch(new URL(path, this.#options.baseUrl), {
                headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
                signal: AbortSignal.timeout(this.#options.timeoutMs),
            });
            text = await response.text();
        } catch (e) {
            const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
            throw new ErpReportingError(
                timedOut
                    ? `${label}: the ERP did not answer within ${this.#options.timeoutMs} ms`
                    : `${label}: ERP unreachable: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`,
            );
        }
        if (!response.ok) {
            const code = safeJson(text)?.code;
            throw new ErpReportingError(
                `${label}: ERP answered ${response.status}${typeof code === 'string' ? ` ${code}` : ''}`,
            );
        }
        const parsed = schema.safeParse(safeJson(text));
        if (!parsed.success) {
            const issue = parsed.error.issues[0];
            throw new ErpReportingError(
                `${label}: the answer is outside the contract at ${issue?.path.join('.') || '(body)'}: ${issue?.message ?? ''}`,
            );
        }
        return parsed.data;
    }
}

function safeJson(text: string): Record<string, unknown> | undefined {
    try {
        const value: unknown = JSON.parse(text);
        return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
    } catch {
        return undefined;
    }
}
