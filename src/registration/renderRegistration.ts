import type { FieldChange } from './planChange';
import type { RegistrationReport } from './registerDataverse';
import type { ImagePlan, StepPlan } from './registrationPlan';

const imageTypes: Record<number, string> = { 0: 'PreImage', 1: 'PostImage', 2: 'Both' };

/** The report as JSON: the plan, the findings, `changes`, and what was applied. Never holds the secret. */
export function registrationJson(report: RegistrationReport, environment: string): unknown {
    const { plan, outcome } = report;
    return {
        environment,
        entityMapVersion: report.entityMapVersion,
        dryRun: report.dryRun,
        changes: plan.changes,
        findings: plan.findings,
        endpoint: {
            action: plan.endpoint.action,
            name: plan.endpoint.name,
            id: plan.endpoint.id ?? null,
            url: plan.endpoint.url,
            authtype: plan.endpoint.auth,
            authvalue: '***',
            changes: plan.endpoint.changes,
        },
        steps: plan.steps.map((s) => ({
            action: s.action,
            name: s.name,
            id: s.id ?? null,
            filteringattributes: s.filteringattributes,
            changes: s.changes,
            ...(s.reason ? { reason: s.reason } : {}),
            images: s.images.map((i) => ({
                action: i.action,
                name: i.name,
                entityalias: i.entityalias,
                imagetype: imageTypes[i.imagetype] ?? i.imagetype,
                attributes: i.attributes,
                id: i.id ?? null,
                changes: i.changes,
            })),
        })),
        outcome: outcome ?? null,
    };
}

/** The report for a terminal: the pre-flight, then create / update / delete / unchanged per endpoint, step and image. */
export function renderRegistration(report: RegistrationReport, environment: string): string {
    const { plan, outcome } = report;
    const lines: string[] = [];
    lines.push(
        `Dataverse registration for ${environment} (entity map ${report.entityMapVersion})${report.dryRun ? ', dry run' : ''}`,
    );
    const errors = plan.findings.filter((f) => f.severity === 'error');
    const warnings = plan.findings.filter((f) => f.severity === 'warning');
    lines.push('', `Pre-flight: ${count(errors.length, 'error')}, ${count(warnings.length, 'warning')}`);
    for (const f of [...errors, ...warnings]) lines.push(`  ${f.severity.padEnd(8)}${f.code}  ${f.message}`);

    lines.push('', 'Service endpoint');
    const e = plan.endpoint;
    lines.push(`  ${e.action.padEnd(10)}${e.name}  ${e.url}  ${e.auth}, secret ***${e.sendsSecret ? ' (sent)' : ''}`);
    lines.push(...changeLines(e.changes, '              '));

    lines.push('', 'Steps (asynchronous, PostOperation)');
    for (const step of plan.steps) lines.push(...stepLines(step));

    lines.push('');
    if (!outcome) {
        lines.push(
            `${count(plan.changes, 'change')} planned (dry run: nothing was changed).${plan.changes > 0 ? ' Run without --dry-run to apply.' : ''}`,
        );
    } else if (outcome.kind === 'refused') {
        lines.push(
            `Nothing was changed: the pre-flight found ${count(errors.length, 'error')}. Fix them and run again.`,
        );
    } else if (outcome.kind === 'failed') {
        lines.push(
            `Stopped: Dataverse refused ${outcome.failed.kind} "${outcome.failed.name}": ${outcome.failed.reason}`,
            `${count(outcome.applied.length, 'change')} applied before it; run again after fixing to finish.`,
        );
    } else {
        lines.push(
            outcome.applied.length === 0
                ? `0 changes: Dataverse matches entity map ${report.entityMapVersion}.`
                : `Applied ${count(outcome.applied.length, 'change')}.`,
        );
    }
    return `${lines.join('\n')}\n`;
}

function stepLines(step: StepPlan): string[] {
    const quiet = step.action === 'unchanged' && step.images.every((i) => i.action === 'unchanged');
    if (quiet) return [`  ${'unchanged'.padEnd(10)}${step.name}  (${count(step.images.length, 'image')} unchanged)`];
    const lines = [`  ${step.action.padEnd(10)}${step.name}${step.reason ? `  (${step.reason})` : ''}`];
    if (step.action === 'create' && step.filteringattributes) {
        lines.push(`              filteringattributes ${step.filteringattributes}`);
    }
    lines.push(...changeLines(step.changes, '              '));
    for (const image of step.images) lines.push(...imageLines(image));
    return lines;
}

function imageLines(image: ImagePlan): string[] {
    const type = imageTypes[image.imagetype] ?? String(image.imagetype);
    const alias = image.entityalias === type ? type : `${image.entityalias} (${type})`;
    const lines = [`    ${image.action.padEnd(10)}image ${alias}  ${image.attributes}`];
    lines.push(...changeLines(image.changes, '                '));
    return lines;
}

function changeLines(changes: FieldChange[], indent: string): string[] {
    return changes.map((c) => `${indent}${c.field}: ${c.from} → ${c.to}`);
}

function count(n: number, noun: string): string {
    return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
