import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatCost, type LaunchUsage, launchCost, priceListSchema, projectContract } from '../../sim/costModel';
import { loadConfigFile } from '../../src/config/configFile';

const prices = loadConfigFile('config/prices.v1.json', priceListSchema);

const usage: LaunchUsage = {
    events: 1000,
    functionExecutions: { first: 2000, retry: 500 },
    serviceBusMessages: { first: 1000, retry: 500 },
    erpCalls: { first: 1000, retry: 100 },
    dataverseCalls: { first: 1200, retry: 0 },
    graphCalls: { first: 10, retry: 2 },
    redrives: 40,
    manualRekeys: 3,
};

describe('unit prices', () => {
    it('are dated and name a source for every price', () => {
        expect(prices.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        for (const p of Object.values(prices.prices)) expect(p.source.length).toBeGreaterThan(10);
    });

    it('price a re-drive apart from a manual re-key, both as assumptions to replace', () => {
        expect(prices.prices.redrive.source).toMatch(/^Assumption/);
        expect(prices.prices.manualRekey.source).toMatch(/^Assumption/);
        expect(prices.prices.redrive.usd).toBeGreaterThan(0);
        expect(prices.prices.redrive.usd).toBeLessThan(prices.prices.manualRekey.usd);
    });

    it('a price file with a negative price or an unknown key is refused, naming the file and the field', () => {
        const dir = mkdtempSync(join(tmpdir(), 'prices-'));
        const file = join(dir, 'prices.json');
        const raw = structuredClone(prices) as unknown as { prices: { erpCall: { usd: number } } };
        raw.prices.erpCall.usd = -1;
        writeFileSync(file, JSON.stringify(raw));
        expect(() => loadConfigFile(file, priceListSchema)).toThrow(/prices\.json.*erpCall/s);
        writeFileSync(file, JSON.stringify({ ...prices, erpCallUsd: 1 }));
        expect(() => loadConfigFile(file, priceListSchema)).toThrow(/erpCallUsd/);
    });
});

describe('cost of a launch', () => {
    const cost = launchCost(usage, prices);
    const p = prices.prices;

    it('prices each meter line at its unit price, first attempts and retries apart', () => {
        const erp = cost.lines.find((l) => l.item === 'ERP calls');
        expect(erp?.usd).toBeCloseTo(1100 * p.erpCall.usd, 9);
        expect(erp?.retryUsd).toBeCloseTo(100 * p.erpCall.usd, 9);
        const bus = cost.lines.find((l) => l.item === 'Service Bus operations');
        expect(bus?.quantity).toEqual({
            first: 1000 * prices.messageOperations.perMessage,
            retry: 500 * prices.messageOperations.perMessage,
        });
        expect(bus?.usd).toBeCloseTo(
            (1500 * prices.messageOperations.perMessage * p.serviceBusOperationPerMillion.usd) / 1e6,
            9,
        );
    });

    it('adds the lines up, gives the retry share, and keeps re-drives and manual re-keying apart', () => {
        const sum = cost.lines.reduce((s, l) => s + l.usd, 0);
        expect(cost.technicalUsd).toBeCloseTo(sum, 5);
        expect(cost.retryShare).toBeCloseTo(cost.retryUsd / cost.technicalUsd, 2);
        expect(cost.retryShare).toBeGreaterThan(0);
        expect(cost.retryShare).toBeLessThan(1);
        expect(cost.redriveUsd).toBeCloseTo(40 * p.redrive.usd, 6);
        expect(cost.manualUsd).toBeCloseTo(3 * p.manualRekey.usd, 6);
        expect(cost.totalUsd).toBeCloseTo(cost.technicalUsd + cost.redriveUsd + cost.manualUsd, 5);
    });

    it('a re-driven transaction costs a re-drive, not a manual re-key', () => {
        const rekeyed = launchCost({ ...usage, redrives: 0, manualRekeys: 43 }, prices);
        const redriven = launchCost({ ...usage, redrives: 40, manualRekeys: 3 }, prices);
        expect(rekeyed.manualUsd - redriven.manualUsd).toBeCloseTo(40 * p.manualRekey.usd, 6);
        expect(redriven.redriveUsd - rekeyed.redriveUsd).toBeCloseTo(40 * p.redrive.usd, 6);
        expect(redriven.totalUsd).toBeLessThan(rekeyed.totalUsd);
    });

    it('a run with no retries has a retry share of 0', () => {
        const clean = launchCost(
            {
                ...usage,
                functionExecutions: { first: 2000, retry: 0 },
                serviceBusMessages: { first: 1000, retry: 0 },
                erpCalls: { first: 1000, retry: 0 },
                graphCalls: { first: 10, retry: 0 },
            },
            prices,
        );
        expect(clean.retryUsd).toBe(0);
        expect(clean.retryShare).toBe(0);
        expect(clean.technicalUsd).toBeLessThan(cost.technicalUsd);
    });
});

describe('projection over the contract period', () => {
    it('adds the launches, the steady volume at the run cost per event and the Service Bus base charge', () => {
        const cost = launchCost(usage, prices);
        const projection = projectContract(cost, prices);
        const v = prices.volumeProfile;
        expect(projection.launches).toBe(v.peakLaunchesPerYear * v.contractYears);
        expect(projection.launchesUsd).toBeCloseTo(projection.launches * cost.technicalUsd, 4);
        expect(projection.steadyUsd).toBeCloseTo(
            v.steadyDailyEvents * 365 * v.contractYears * (cost.technicalUsd / 1000),
            4,
        );
        expect(projection.serviceBusBaseUsd).toBeCloseTo(
            v.contractYears * 8760 * prices.prices.serviceBusBasePerHour.usd,
            4,
        );
        expect(projection.manualUsd).toBeCloseTo(projection.launches * cost.manualUsd, 4);
        expect(projection.redriveUsd).toBeCloseTo(projection.launches * cost.redriveUsd, 4);
        expect(projection.totalUsd).toBeCloseTo(
            projection.launchesUsd +
                projection.steadyUsd +
                projection.serviceBusBaseUsd +
                projection.redriveUsd +
                projection.manualUsd,
            4,
        );
        const lines = formatCost('ours', cost, projection);
        expect(lines[0]).toContain(prices.asOf);
        expect(lines.some((l) => l.includes('ERP calls'))).toBe(true);
    });
});
