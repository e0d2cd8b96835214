import type { ContractChange } from './openapiDiff';

/** The diff as a person reads it after an ERP upgrade: breaking changes first, each with where and what. */
export function renderContractDiff(base: string, next: string, changes: ContractChange[]): string {
    const breaking = changes.filter((c) => c.severity === 'breaking');
    const compatible = changes.filter((c) => c.severity === 'compatible');
    const lines = [`ERP contract: ${base} → ${next}`];
    if (changes.length === 0) lines.push('No differences in paths, parameters, bodies or responses.');
    if (breaking.length) {
        lines.push(
            `${breaking.length} breaking change(s): the integration must change before this ERP version goes live.`,
        );
        for (const c of breaking) lines.push(`  ✗ ${c.kind}: ${c.at} — ${c.detail}`);
    }
    if (compatible.length) {
        lines.push(`${compatible.length} compatible change(s):`);
        for (const c of compatible) lines.push(`  · ${c.kind}: ${c.at} — ${c.detail}`);
    }
    if (!breaking.length) lines.push('Nothing breaking.');
    return `${lines.join('\n')}\n`;
}
