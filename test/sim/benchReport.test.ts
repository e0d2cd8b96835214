import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type BenchRun, benchTargets, renderBenchMarkdown } from '../../sim/benchReport';
import { scenarioSchema } from '../../sim/scenarioSchema';
import { loadConfigFile } from '../../src/config/configFile';

// The committed results of an earlier full bench: their sections are what --reuse carries over.
const earlier = JSON.parse(readFileSync('bench/results.json', 'utf8'));
const scenario = loadConfigFile('scenarios/bench-launch.json', scenarioSchema);
const baseOurs = earlier.runs.find((r: BenchRun) => r.policy === 'ours') as BenchRun;

function ours(instances: number, report: Partial<BenchRun['report']>): BenchRun {
    return { ...baseOurs, instances, report: { ...baseOurs.report, instances, ...report } };
}

const one = ours(1, {
    erpPeakCallsPerSec: 42,
    erpUtilization: 0.8,
    lost: 0,
    duplicatePostings: 0,
    orderViolations: 0,
    erpCallsByStatus: { '201': 9000, '429': 0 },
});
const eight = ours(8, {
    lost: 0,
    duplicatePostings: 0,
    orderViolations: 0,
    erpPeakCallsPerSec: 43,
    erpUtilization: 0.91,
    erpCallsPerPosting: 1.08,
    erpCallsByStatus: { '201': 9000, '429': 3 },
});
const baselines = earlier.runs
    .filter((r: BenchRun) => r.policy !== 'ours')
    .map((r: BenchRun) => ({ ...r, measuredAt: earlier.measuredAt }));

describe('bench report with a fleet', () => {
    it("checks the fleet's targets on the run with the most instances, each against its wanted figure", () => {
        const targets = benchTargets(earlier.intake, [one, eight, ...baselines], scenario);
        const fleet = targets.filter((t) => t.name.startsWith('8 instances'));
        expect(fleet.map((t) => [t.name, t.measured, t.met])).toEqual([
            ['8 instances: busiest second at the ERP', '43 calls', false],
            ['8 instances: ERP calls per posting', '1.08', true],
            ['8 instances: ERP goodput while it could take postings', '0.91', true],
            ['8 instances: nothing lost, posted twice or out of order', '0 / 0 / 0', true],
        ]);
        expect(fleet[0]?.target).toBe('<= 1.05 x 40/s = 42');
        // The single-instance targets are still checked on the one-instance run.
        expect(targets.find((t) => t.name === 'ERP goodput while it could take postings')?.measured).toBe('0.8');
        expect(benchTargets(earlier.intake, [one], scenario).some((t) => t.name.includes('instances'))).toBe(false);
    });

    it('puts the 1- and 8-instance rows side by side and says which sections were carried over', () => {
        const md = renderBenchMarkdown({
            ...earlier,
            measuredAt: '2026-12-01T00:00:00.000Z',
            intake: { ...earlier.intake, measuredAt: earlier.measuredAt },
            runs: [one, eight, ...baselines],
            targets: benchTargets(earlier.intake, [one, eight, ...baselines], scenario),
        });
        const fleet = md.slice(md.indexOf('## Fleet'));
        const { posted, erpCalls, erpCallsPerPosting } = baseOurs.report;
        expect(fleet).toContain(
            `| 1 | ${posted} | 0 / 0 / 0 | ${erpCalls} | ${erpCallsPerPosting} | 42 (1.05 x limit) | 0.8 | 0 |`,
        );
        expect(fleet).toContain(`| 8 | ${posted} | 0 / 0 / 0 | ${erpCalls} | 1.08 | 43 (1.08 x limit) | 0.91 | 3 |`);
        expect(md).toContain(`This section: carried over from the run of ${earlier.measuredAt}`);
        expect(md).toContain(`The baselines: carried over from the run of ${earlier.measuredAt}`);
    });
});
