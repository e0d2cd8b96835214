// The ops console: plain DOM over the console API (/api/console/api/*, which hands each call to the app's own API).
// Every value is set as text, never as HTML, so nothing from a CRM record can script the page.
/* global Chart */

const api = '/api/console/api/';
const refreshMs = 15_000;
const charts = {};
let me = { name: '', canAct: false };

const $ = (id) => document.getElementById(id);

function el(tag, text, attrs = {}) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
}

function row(cells, attrs = {}) {
    const tr = el('tr', undefined, attrs);
    for (const c of cells) tr.append(c instanceof Node ? wrap(c) : el('td', c ?? ''));
    return tr;
}

function wrap(node) {
    const td = el('td');
    td.append(node);
    return td;
}

function fill(tableId, rows, emptyText) {
    const body = $(tableId).querySelector('tbody');
    if (rows.length > 0) return body.replaceChildren(...rows);
    const columns = String($(tableId).querySelectorAll('thead th').length);
    const tr = el('tr');
    tr.append(el('td', emptyText, { colspan: columns, class: 'empty' }));
    body.replaceChildren(tr);
}

const time = (iso) => (iso ? new Date(iso).toISOString().slice(0, 16).replace('T', ' ') : '');
const ago = (minutes) =>
    minutes >= 1440
        ? `${Math.floor(minutes / 1440)} d`
        : minutes >= 60
          ? `${Math.floor(minutes / 60)} h`
          : `${minutes} min`;

/** GET a console API; `undefined` when that capability is not deployed (404), so its panel says "not available". */
async function read(path) {
    const res = await fetch(api + path, { headers: { accept: 'application/json' } });
    if (res.status === 404) return undefined;
    if (!res.ok)
        throw new Error(`${path}: ${res.status} ${(await res.json().catch(() => ({})))?.error?.message ?? ''}`);
    return res.json();
}

/**
 * POST an action. The server records the signed-in user as who acted; `x-console-csrf` is the console's own header,
 * which a page of another site cannot send (functions/auth/crossSiteCheck.ts).
 */
async function act(path, body) {
    const res = await fetch(api + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-console-csrf': '1' },
        body: JSON.stringify(body ?? {}),
    });
    const answer = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(answer?.error?.message ?? `${path}: ${res.status}`);
    return answer;
}

function button(label, onClick, attrs = {}) {
    const b = el('button', label, { type: 'button', ...attrs });
    b.addEventListener('click', async () => {
        b.disabled = true;
        try {
            await onClick();
            await refresh();
        } catch (e) {
            $('error').textContent = e.message;
        } finally {
            b.disabled = false;
        }
    });
    return b;
}

/** A button that first asks for a value inline (ERP reference, discard reason), then acts with it. */
function askingButton(label, placeholder, onValue, attrs) {
    const box = el('span');
    const input = el('input', undefined, { placeholder, 'data-for': attrs['data-action'] });
    input.hidden = true;
    const b = button(
        label,
        async () => {
            if (input.hidden) {
                input.hidden = false;
                input.focus();
                throw Object.assign(new Error(''), { quiet: true });
            }
            await onValue(input.value.trim());
        },
        attrs,
    );
    box.append(input, b);
    return box;
}

function renderCounts(stats) {
    const shown = ['queued', 'processing', 'retrying', 'parked', 'held', 'review', 'deadLettered', 'posted'];
    const attention = new Set(['parked', 'review', 'deadLettered']);
    const tiles = shown.map((state) => {
        const tile = el('div', undefined, {
            class: `tile${attention.has(state) && stats.open[state] > 0 ? ' attention' : ''}`,
        });
        tile.append(el('span', stats.open[state], { class: 'n', id: `count-${state}` }), el('span', state));
        return tile;
    });
    const confirmed = el('div', undefined, { class: 'tile' });
    confirmed.append(
        el('span', stats.window.confirmed ?? 0, { class: 'n', id: 'count-confirmed' }),
        el('span', 'confirmed (14 d)'),
    );
    $('counts').replaceChildren(...tiles, confirmed);
    const l = stats.latency;
    const parts = [
        l.confirmed > 0
            ? `accepted → confirmed in CRM: p50 ${(l.p50Ms / 1000).toFixed(1)} s, p95 ${(l.p95Ms / 1000).toFixed(1)} s (${l.confirmed})`
            : 'nothing confirmed in the window',
        stats.oldestParked ? `oldest parked: ${ago(stats.oldestParked.ageMinutes)}` : 'nothing parked',
        stats.truncated ? 'counts capped: lower bounds' : '',
    ];
    $('latency').textContent = parts.filter(Boolean).join(' · ');
    fill(
        'failures',
        stats.failures.map((f) => row([f.class, f.owner, f.count])),
        'no open failures',
    );
    chart('hourly-chart', stats.hourly, (s) => s.slice(5, 13).replace('T', ' '));
    chart('daily-chart', stats.daily, (s) => s.slice(0, 10));
}

function chart(id, buckets, label) {
    if (typeof Chart === 'undefined') return;
    const series = [
        ['done', '#2e7d32'],
        ['waiting', '#f9a825'],
        ['failed', '#c62828'],
        ['other', '#90a4ae'],
    ];
    const data = {
        labels: buckets.map((b) => label(b.start)),
        datasets: series.map(([key, color]) => ({
            label: key,
            data: buckets.map((b) => b[key]),
            backgroundColor: color,
        })),
    };
    if (charts[id]) {
        charts[id].data = data;
        charts[id].update('none');
        return;
    }
    charts[id] = new Chart($(id), {
        type: 'bar',
        data,
        options: {
            animation: false,
            responsive: true,
            scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } },
        },
    });
}

function renderMeter(meter) {
    const b = meter.breaker ?? {};
    const items = [
        ['calls', meter.calls],
        ['first attempts', meter.firstAttempts],
        ['retries', meter.retries],
        ['probes', meter.probes],
        ['retry budget used', `${Math.round((meter.retryBudgetUsed ?? 0) * 100)} % of ${meter.retryBudget}`],
        ['circuit breaker', b.state ?? 'unknown'],
    ];
    $('meter').replaceChildren(...items.flatMap(([k, v]) => [el('dt', k), el('dd', v)]));
}

function renderReview(items) {
    const rows = items.map((item) => {
        const id = item.transactionId;
        const actions = el('span');
        if (me.canAct) {
            actions.append(
                button('Retry', () => act(`review/${encodeURIComponent(id)}/retry`, {}), { 'data-action': 'retry' }),
                askingButton(
                    'Resolve',
                    'ERP reference',
                    (erpReference) => act(`review/${encodeURIComponent(id)}/resolve`, { erpReference }),
                    { 'data-action': 'resolve' },
                ),
                askingButton(
                    'Discard',
                    'reason',
                    (reason) => act(`review/${encodeURIComponent(id)}/discard`, { reason }),
                    { 'data-action': 'discard' },
                ),
            );
        }
        return row(
            [
                id,
                item.type,
                `${item.class} / ${item.code}`,
                item.owner,
                item.reason,
                item.attempts,
                time(item.updatedAt),
                actions,
            ],
            { 'data-id': id },
        );
    });
    fill('review', rows, 'the review queue is empty');
}

function renderConditions(conditions) {
    const rows = conditions.map((c) =>
        row(
            [
                c.key,
                c.owner,
                time(c.since),
                ago(c.ageMinutes),
                c.parkedUnits,
                me.canAct
                    ? button('Reprocess now', () => act('conditions/reprocess', { condition: c.key }), {
                          'data-action': 'reprocess',
                      })
                    : '',
            ],
            { 'data-condition': c.key },
        ),
    );
    fill('conditions', rows, 'nothing is parked');
}

function renderNotices(answer) {
    if (!answer) return fill('notices', [], 'not available');
    const rows = answer.notices.map((n) =>
        row([n.unitCode, n.readyOn, n.state, n.attempts, time(n.sentAt), n.lastError ?? ''], {
            class: `state-${n.state}`,
        }),
    );
    fill('notices', rows, 'no handover notices');
}

function renderAlerts(answer) {
    if (!answer) return fill('alerts', [], 'not available');
    const rows = answer.alerts.map((a) =>
        row(
            [
                a.title,
                a.failureClass,
                a.owner,
                a.count,
                time(a.lastAt),
                a.state,
                me.canAct && a.state === 'open'
                    ? button('Acknowledge', () => act(`alerts/${encodeURIComponent(a.id)}/acknowledge`, {}))
                    : '',
            ],
            { class: `state-${a.state}`, 'data-alert': a.id },
        ),
    );
    fill('alerts', rows, 'no alerts');
    // An alert card links here as #alert=<id>: point at that alert.
    const linked = new URLSearchParams(location.hash.slice(1)).get('alert');
    const target = linked && rows.find((r) => r.dataset.alert === linked);
    if (target) {
        target.classList.add('linked');
        if (!document.body.dataset.loaded) target.scrollIntoView({ block: 'center' });
    }
}

function renderReconciliations(answer) {
    if (!answer) return fill('reconciliations', [], 'not available');
    const rows = answer.reports.map((r) => {
        const link = el('a', 'report', {
            href: `${api}reconciliations/${encodeURIComponent(r.period)}?format=md${r.project ? `&project=${encodeURIComponent(r.project)}` : ''}`,
            target: '_blank',
        });
        return row(
            [
                r.period,
                r.project ?? 'all',
                time(r.generatedAt),
                r.balanced ? 'balanced' : 'not balanced',
                r.findings,
                link,
            ],
            { class: r.balanced ? 'state-confirmed' : 'state-review', 'data-period': r.period },
        );
    });
    fill('reconciliations', rows, 'no reconciliation yet');
}

function renderBackups(answer) {
    if (!answer) return fill('backups', [], 'not available');
    const rows = answer.backups.map((b) =>
        row(
            [
                time(b.startedAt),
                b.trigger,
                b.abandoned ? 'abandoned' : b.status,
                b.tables,
                b.rows,
                b.incompleteTables.join(', '),
            ],
            { class: `state-${b.status}` },
        ),
    );
    fill('backups', rows, 'no backup yet');
}

function renderSandbox(mail, channel) {
    for (const id of ['mailbox-panel', 'channels-panel']) $(id).hidden = !mail && !channel;
    if (mail)
        fill(
            'mailbox',
            mail.items
                .slice(-20)
                .reverse()
                .map((m) => row([time(m.receivedAt), (m.to ?? []).join(', '), m.subject])),
            'no mail yet',
        );
    if (channel)
        fill(
            'channels',
            channel.items
                .slice(-20)
                .reverse()
                .map((c) => row([time(c.receivedAt), c.channelId, c.summary ?? ''])),
            'no channel messages yet',
        );
}

/** Each panel loads on its own: one failing API leaves the others showing. */
async function refresh() {
    const panels = [
        read('stats?hours=48&days=14').then(renderCounts),
        read(`meter?day=${new Date().toISOString().slice(0, 10)}`).then(renderMeter),
        read('review').then((a) => renderReview(a?.items ?? [])),
        read('conditions').then((a) => renderConditions(a?.conditions ?? [])),
        read('notices').then(renderNotices),
        read('alerts').then(renderAlerts),
        read('reconciliations').then(renderReconciliations),
        read('backups?top=10').then(renderBackups),
        Promise.all([read('sandbox/mailbox'), read('sandbox/channels')]).then(([m, c]) => renderSandbox(m, c)),
    ];
    const failed = (await Promise.allSettled(panels)).filter((p) => p.status === 'rejected' && !p.reason?.quiet);
    $('error').textContent = failed.map((p) => p.reason.message).join(' · ');
    $('refreshed').textContent = `updated ${new Date().toLocaleTimeString()}`;
    document.body.dataset.loaded = String(Number(document.body.dataset.loaded ?? 0) + 1);
}

async function start() {
    me = (await read('me')) ?? me;
    $('who').textContent = `${me.name}${me.canAct ? '' : ' (view only)'}`;
    $('refresh').addEventListener('click', () => refresh());
    // An alert link opened in a tab that already shows the console changes only the fragment.
    window.addEventListener('hashchange', () => refresh());
    await refresh();
    setInterval(refresh, refreshMs);
}

start().catch((e) => {
    $('error').textContent = e.message;
});
