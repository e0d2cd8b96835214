import { z } from 'zod';

const price = z.object({ usd: z.number().min(0), source: z.string().min(1) }).strict();

/** Unit prices (config/prices.v1.json): dated, each with its source or marked as an assumption. */
export const priceListSchema = z
    .object({
        version: z.string().min(1),
        asOf: z.iso.date(),
        currency: z.literal('USD'),
        note: z.string().optional(),
        prices: z
            .object({
                functionExecutionPerMillion: price,
                functionGbSecond: price,
                serviceBusOperationPerMillion: price,
                serviceBusBasePerHour: price,
                erpCall: price,
                dataverseRequest: price,
                graphCall: price,
                redrive: price,
                manualRekey: price,
            })
            .strict(),
        execution: z
            .object({ averageMs: z.number().positive(), memoryGb: z.number().positive(), source: z.string() })
            .strict(),
        messageOperations: z.object({ perMessage: z.number().positive(), source: z.string() }).strict(),
        volumeProfile: z
            .object({
                contractYears: z.number().positive(),
                peakLaunchesPerYear: z.number().min(0),
                steadyDailyEvents: z.number().min(0),
                source: z.string(),
            })
            .strict(),
    })
    .strict();

export type PriceList = z.infer<typeof priceListSchema>;

/** A count split into what the work needs once (first attempts) and what retries, waits and probes added. */
export interface Split {
    first: number;
    retry: number;
}

/** What one run used, from the meter and the sandboxes' counters. */
export interface LaunchUsage {
    /** Dataverse events accepted by intake. */
    events: number;
    functionExecutions: Split;
    serviceBusMessages: Split;
    erpCalls: Split;
    dataverseCalls: Split;
    graphCalls: Split;
    /**
     * Transactions an operator re-sent from the dead-letter queue or whose failed flow run they resubmitted (once or
     * in several passes), each a re-drive: a person's minute or two, far less than a re-key, whether or not it posted.
     */
    redrives: number;
    /** Transactions a person must find and key into the ERP by hand (review, dead-lettered, failed, still waiting). */
    manualRekeys: number;
}

export interface CostLine {
    item: string;
    quantity: Split;
    unitUsd: number;
    usd: number;
    retryUsd: number;
}

export interface LaunchCost {
    asOf: string;
    lines: CostLine[];
    /** Cloud and API charges of the run. */
    technicalUsd: number;
    /** The part of technicalUsd caused by retries, waits and probes. */
    retryUsd: number;
    retryShare: number;
    /** Operators re-driving what the run gave up on (an assumption-priced line, kept apart). */
    redriveUsd: number;
    /** People re-keying what the run left behind (an assumption-priced line, kept apart). */
    manualUsd: number;
    totalUsd: number;
    technicalUsdPerEvent: number;
}

const round = (usd: number) => Math.round(usd * 1e6) / 1e6;

export function launchCost(usage: LaunchUsage, prices: PriceList): LaunchCost {
    const p = prices.prices;
    const gbSeconds = (prices.execution.averageMs / 1000) * prices.execution.memoryGb;
    const ops = prices.messageOperations.perMessage;
    const line = (item: string, quantity: Split, unitUsd: number): CostLine => ({
        item,
        quantity,
        unitUsd,
        usd: round((quantity.first + quantity.retry) * unitUsd),
        retryUsd: round(quantity.retry * unitUsd),
    });
    const lines = [
        line('function executions', usage.functionExecutions, p.functionExecutionPerMillion.usd / 1e6),
        line('function GB-seconds', usage.functionExecutions, gbSeconds * p.functionGbSecond.usd),
        line(
            'Service Bus operations',
            { first: usage.serviceBusMessages.first * ops, retry: usage.serviceBusMessages.retry * ops },
            p.serviceBusOperationPerMillion.usd / 1e6,
        ),
        line('ERP calls', usage.erpCalls, p.erpCall.usd),
        line('Dataverse requests', usage.dataverseCalls, p.dataverseRequest.usd),
        line('Graph calls', usage.graphCalls, p.graphCall.usd),
    ];
    const technicalUsd = round(lines.reduce((s, l) => s + l.usd, 0));
    const retryUsd = round(lines.reduce((s, l) => s + l.retryUsd, 0));
    const redriveUsd = round(usage.redrives * p.redrive.usd);
    const manualUsd = round(usage.manualRekeys * p.manualRekey.usd);
    return {
        asOf: prices.asOf,
        lines,
        technicalUsd,
        retryUsd,
        retryShare: technicalUsd === 0 ? 0 : Math.round((retryUsd / technicalUsd) * 1000) / 1000,
        redriveUsd,
        manualUsd,
        totalUsd: round(technicalUsd + redriveUsd + manualUsd),
        technicalUsdPerEvent: usage.events === 0 ? 0 : technicalUsd / usage.events,
    };
}

export interface ContractProjection {
    years: number;
    launches: number;
    steadyEvents: number;
    launchesUsd: number;
    steadyUsd: number;
    serviceBusBaseUsd: number;
    redriveUsd: number;
    manualUsd: number;
    totalUsd: number;
}

/**
 * The contract period from the volume profile: the peak launches at this run's cost (re-drives and manual re-keying
 * included), the steady daily volume at this run's cloud and API cost per event, and the Service Bus base charge for
 * every hour.
 */
export function projectContract(cost: LaunchCost, prices: PriceList): ContractProjection {
    const v = prices.volumeProfile;
    const launches = v.peakLaunchesPerYear * v.contractYears;
    const steadyEvents = v.steadyDailyEvents * 365 * v.contractYears;
    const launchesUsd = round(launches * cost.technicalUsd);
    const steadyUsd = round(steadyEvents * cost.technicalUsdPerEvent);
    const serviceBusBaseUsd = round(v.contractYears * 365 * 24 * prices.prices.serviceBusBasePerHour.usd);
    // What a launch leaves for re-driving and re-keying comes from its faults (freeze, outage, rate limit); the steady
    // volume is not charged at that rate, which would turn one launch's outage into a daily one.
    const redriveUsd = round(launches * cost.redriveUsd);
    const manualUsd = round(launches * cost.manualUsd);
    return {
        years: v.contractYears,
        launches,
        steadyEvents,
        launchesUsd,
        steadyUsd,
        serviceBusBaseUsd,
        redriveUsd,
        manualUsd,
        totalUsd: round(launchesUsd + steadyUsd + serviceBusBaseUsd + redriveUsd + manualUsd),
    };
}

const usd = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toFixed(4));

/** Human-readable lines for the launch script and the benchmark. */
export function formatCost(label: string, cost: LaunchCost, projection: ContractProjection): string[] {
    return [
        `${label}: USD ${usd(cost.technicalUsd)} in cloud and API charges (${Math.round(cost.retryShare * 100)} % caused by retries, waits and probes), USD ${usd(cost.redriveUsd)} of re-drives, USD ${usd(cost.manualUsd)} of manual re-keying; prices as of ${cost.asOf}`,
        ...cost.lines.map(
            (l) =>
                `  ${l.item.padEnd(24)} ${String(l.quantity.first).padStart(8)} first ${String(l.quantity.retry).padStart(8)} retry  USD ${usd(l.usd)}`,
        ),
        `  over ${projection.years} years (${projection.launches} launches, ${projection.steadyEvents} steady-state events): USD ${usd(projection.totalUsd)} (launches ${usd(projection.launchesUsd)}, steady ${usd(projection.steadyUsd)}, Service Bus base ${usd(projection.serviceBusBaseUsd)}, re-drives ${usd(projection.redriveUsd)}, manual re-keying ${usd(projection.manualUsd)})`,
    ];
}
