import type { Notifier } from '../ports/notifier';
import type { BackupRun } from './backupRun';

/**
 * The mail sent when a backup fails or is incomplete, through the Notifier port (Graph from the shared mailbox).
 * It carries table names, counts and error codes only: never a row, so no buyer's data leaves the container.
 */
export function backupAlertMail(
    run: BackupRun,
    to: readonly string[],
): { to: string[]; subject: string; html: string } {
    const lines = run.tables.map(
        (t) =>
            `<tr><td>${escapeHtml(t.file)}</td><td>${t.exported}</td><td>${t.expected ?? '?'}${t.countCapped ? '+' : ''}</td>` +
            `<td>${t.complete ? 'complete' : escapeHtml(t.problem ?? 'incomplete')}</td></tr>`,
    );
    const failures = run.failures.map(
        (f) => `<li>${escapeHtml(f.code)} (owner: ${escapeHtml(f.owner)}): ${escapeHtml(f.message)}</li>`,
    );
    return {
        to: [...to],
        subject: `CRM backup ${run.status}: ${run.id}`,
        html: [
            `<p>The CRM backup <b>${escapeHtml(run.id)}</b> (${run.trigger}) is <b>${run.status}</b>.`,
            ` Container <code>${escapeHtml(run.container)}</code>. Until a complete backup exists, the last complete one`,
            ' is what operating without the CRM would use (docs/operate-without-crm.md).</p>',
            failures.length > 0 ? `<ul>${failures.join('')}</ul>` : '',
            '<table><tr><th>file</th><th>rows written</th><th>rows counted</th><th>check</th></tr>',
            ...lines,
            '</table>',
            `<p>Details: GET /api/backups/${escapeHtml(run.id)}</p>`,
        ].join(''),
    };
}

/** Sends the alert; a failure to alert is recorded on the run, not thrown (the run's record matters more). */
export async function sendBackupAlert(
    notifier: Notifier,
    run: BackupRun,
    to: readonly string[],
): Promise<NonNullable<BackupRun['alert']>> {
    if (to.length === 0) return { sent: false, error: 'no alert recipients configured (BACKUP_ALERT_TO)' };
    try {
        await notifier.sendMail(backupAlertMail(run, to));
        return { sent: true };
    } catch (e) {
        return { sent: false, error: e instanceof Error ? e.message.slice(0, 300) : String(e) };
    }
}

function escapeHtml(text: string): string {
    return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/**
 * The alert when a run could not even start recording (the container cannot be opened): there is no manifest to
 * point at, so the mail is the only trace besides the function's failed invocation.
 */
export async function alertUnrecordedBackup(
    notifier: Notifier,
    to: readonly string[],
    what: { trigger: BackupRun['trigger']; at: Date; container: string; error: unknown },
): Promise<NonNullable<BackupRun['alert']>> {
    const message = what.error instanceof Error ? what.error.message : String(what.error);
    const run: BackupRun = {
        id: `(not started ${what.at.toISOString()})`,
        trigger: what.trigger,
        startedAt: what.at.toISOString(),
        status: 'failed',
        container: what.container,
        tables: [],
        failures: [{ code: 'BACKUP_STORAGE_FAILED', message: message.slice(0, 500), owner: 'integration' }],
    };
    return sendBackupAlert(notifier, run, to);
}
