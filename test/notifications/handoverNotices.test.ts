import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GraphNotifier } from '../../src/adapters/graph/graphNotifier';
import { sendHandoverNotices } from '../../src/notifications/handoverNotices';
import { runNotifications } from '../../src/notifications/notificationRun';
import { CrmUnavailableError } from '../../src/ports/crmErrors';
import { GraphThrottledError } from '../../src/ports/graphErrors';
import { handover, notificationWorld, type World } from './notificationWorld';

let w: World;

beforeEach(async () => {
    w = await notificationWorld();
    w.crm.contacts.set('c-1', { fullname: 'Layla Haddad', emailaddress1: 'layla@example.org' });
    w.crm.contacts.set('c-2', {
        fullname: 'Omar Saleh',
        emailaddress1: 'omar@example.org',
        re_preferredlanguage: 100000001,
    });
});

afterEach(async () => {
    await w.close();
});

describe('handover notices', () => {
    it('mails the owner from the shared mailbox with unit, date and next steps, once per handover', async () => {
        await w.handovers.open(handover('1203', 'c-1'));
        const first = await sendHandoverNotices(w.deps);
        expect(first).toEqual({ opened: 1, sent: 1, retrying: 0, failed: 0 });
        const again = await sendHandoverNotices(w.deps);
        expect(again).toEqual({ opened: 0, sent: 0, retrying: 0, failed: 0 });
        expect(w.graph.mailbox).toHaveLength(1);
        const mail = w.graph.mailbox[0];
        expect(mail?.mailbox).toBe('handover@contoso-developments.example');
        expect(mail?.to).toEqual(['layla@example.org']);
        expect(mail?.subject).toBe('Your home MARINA-T1-1203 is ready for handover');
        expect(mail?.contentType).toBe('HTML');
        expect(mail?.content).toContain('Dear Layla Haddad');
        expect(mail?.content).toContain('<strong>20 November 2026</strong>');
        expect(mail?.content).toContain('Next steps');
        expect(await w.notices.get('1203:2026-11-20')).toMatchObject({
            state: 'sent',
            attempts: 1,
            language: 'en',
            sentAt: '2026-11-10T09:00:00.000Z',
        });
    });

    it("uses the owner's language when the contact has one", async () => {
        await w.handovers.open(handover('1204', 'c-2'));
        await sendHandoverNotices(w.deps);
        expect(w.graph.mailbox[0]?.subject).toBe('وحدتكم MARINA-T1-1204 جاهزة للتسليم');
        expect(w.graph.mailbox[0]?.content).toContain('dir="rtl"');
        expect((await w.notices.get('1204:2026-11-20'))?.language).toBe('ar');
    });

    it('escapes CRM values in the HTML body', async () => {
        w.crm.contacts.set('c-3', { fullname: '<script>x</script>', emailaddress1: 'x@example.org' });
        await w.handovers.open(handover('1205', 'c-3'));
        await sendHandoverNotices(w.deps);
        expect(w.graph.mailbox[0]?.content).toContain('Dear &#60;script&#62;x&#60;/script&#62;');
    });

    it('on 429 keeps the notice retrying after the Retry-After and stops the run; the next due run sends it', async () => {
        await w.handovers.open(handover('1301', 'c-1'));
        await w.handovers.open(handover('1302', 'c-1'));
        await w.setFaults({ throttle: true });
        const throttled = await sendHandoverNotices(w.deps);
        expect(throttled.retrying).toBe(1);
        expect(throttled.throttledUntil).toBe('2026-11-10T09:01:00.000Z');
        const notices = await w.notices.list({ max: 10 });
        expect(notices.map((n) => [n.key, n.state, n.attempts]).sort()).toEqual([
            ['1301:2026-11-20', 'retrying', 1],
            ['1302:2026-11-20', 'pending', 0],
        ]);
        expect((await w.notices.get('1301:2026-11-20'))?.lastError).toBe(
            'POST sendMail answered 429 TooManyRequests: Too many requests, retry after the given delay.',
        );
        await w.setFaults({});
        // Before the wait is over only the untouched notice goes.
        expect((await sendHandoverNotices(w.deps)).sent).toBe(1);
        w.clock.advanceMinutes(1);
        expect((await sendHandoverNotices(w.deps)).sent).toBe(1);
        expect(w.graph.mailbox).toHaveLength(2);
    });

    it('fails after its retries and the failure ends as an alert card in the owning team channel', async () => {
        await w.handovers.open(handover('1401', 'c-1'));
        await w.setFaults({ down: true });
        for (let i = 0; i < w.deps.templates.delivery.maxAttempts; i++) {
            await sendHandoverNotices(w.deps);
            w.clock.advanceMinutes(60);
        }
        const notice = await w.notices.get('1401:2026-11-20');
        expect(notice).toMatchObject({ state: 'failed', attempts: 5, failureCode: 'NOTICE_RETRIES_EXHAUSTED' });
        expect(notice?.lastError).toContain('(after 5 attempts)');
        await w.setFaults({});
        const run = await runNotifications(w.deps);
        expect(run.alerts).toMatchObject({ raised: 1, cardsPosted: 1, mailsSent: 1 });
        expect(w.graph.mailbox).toHaveLength(1);
        expect(w.graph.mailbox[0]?.to).toEqual(['sales-ops@contoso-developments.example']);
        const post = w.graph.channelMessages[0];
        expect(post?.channelId).toBe('19:sales-ops-integration@thread.tacv2');
        expect(JSON.stringify(post?.cards)).toContain('unit MARINA-T1-1401 ready 2026-11-20');
    });

    it('a contact without an e-mail address fails at once (no retry) and is alerted', async () => {
        w.crm.contacts.set('c-4', { fullname: 'No Mail' });
        await w.handovers.open(handover('1501', 'c-4'));
        await w.handovers.open(handover('1502', null));
        const run = await runNotifications(w.deps);
        expect(run.notices).toMatchObject({ failed: 2, sent: 0 });
        expect((await w.notices.get('1501:2026-11-20'))?.failureCode).toBe('NOTICE_NO_EMAIL');
        expect((await w.notices.get('1502:2026-11-20'))?.failureCode).toBe('NOTICE_NO_OWNER');
        expect(run.alerts.raised).toBe(2);
    });

    it('a CRM outage is retried without claiming the notice', async () => {
        await w.handovers.open(handover('1601', 'c-1'));
        w.crm.fail = new CrmUnavailableError('GET contacts(c-1) answered 503');
        expect((await sendHandoverNotices(w.deps)).retrying).toBe(1);
        w.crm.fail = undefined;
        w.clock.advanceMinutes(1);
        expect((await sendHandoverNotices(w.deps)).sent).toBe(1);
        expect((await w.notices.get('1601:2026-11-20'))?.attempts).toBe(2);
    });

    it('a notice cut off mid-send is never sent again: it fails as outcome unknown', async () => {
        await w.notices.create({
            key: '1701:2026-11-20',
            unitId: '1701',
            unitCode: 'MARINA-T1-1701',
            readyOn: '2026-11-20',
            ownerId: 'c-1',
            state: 'sending',
            attempts: 1,
            createdAt: '2026-11-10T08:00:00.000Z',
            updatedAt: '2026-11-10T08:55:00.000Z',
            version: 1,
        });
        expect((await sendHandoverNotices(w.deps)).failed).toBe(0); // 5 minutes: may still be sending
        w.clock.advanceMinutes(5);
        expect((await sendHandoverNotices(w.deps)).failed).toBe(1);
        expect(await w.notices.get('1701:2026-11-20')).toMatchObject({
            state: 'failed',
            failureCode: 'NOTICE_OUTCOME_UNKNOWN',
        });
        expect(w.graph.mailbox).toHaveLength(0);
    });

    it('a recipient Graph refuses fails without retry, and no address reaches the logs', async () => {
        w.crm.contacts.set('c-5', { fullname: 'Bad Address', emailaddress1: 'not an address' });
        await w.handovers.open(handover('1801', 'c-5'));
        await w.handovers.open(handover('1802', 'c-1'));
        await sendHandoverNotices(w.deps);
        expect(await w.notices.get('1801:2026-11-20')).toMatchObject({
            state: 'failed',
            attempts: 1,
            failureCode: 'NOTICE_REJECTED_ERRORINVALIDRECIPIENTS',
        });
        const logged = JSON.stringify(w.logs);
        expect(logged).toContain('MARINA-T1-1801');
        expect(logged).not.toMatch(/@example\.org|not an address/);
    });
});

describe('handover notices at scale', () => {
    it('notices every pending handover, not just the first listing page, and writes nothing for known ones', async () => {
        for (let i = 0; i < 1200; i++) await w.handovers.open(handover(String(5000 + i), null));
        const first = await sendHandoverNotices(w.deps);
        expect(first).toMatchObject({ opened: 1200, failed: 1000 }); // no owner: fails at once, 1000 per pass
        await w.handovers.open(handover('9999', 'c-1'));
        const second = await sendHandoverNotices(w.deps);
        expect(second).toMatchObject({ opened: 1, sent: 1, failed: 200 });
    });
});

describe("Graph's Retry-After", () => {
    it('is a floor under the back-off: a long Retry-After postpones the retry beyond the first back-off step', async () => {
        await w.handovers.open(handover('1901', 'c-1'));
        let calls = 0;
        const throttled = new GraphThrottledError('POST sendMail answered 429 TooManyRequests', 600_000);
        const notifier = {
            sendMail: async () => {
                calls += 1;
                if (calls === 1) throw throttled;
            },
            postToChannel: async () => ({ messageId: 'm' }),
        };
        const report = await sendHandoverNotices({ ...w.deps, notifier });
        expect(report.throttledUntil).toBe('2026-11-10T09:10:00.000Z');
        w.clock.advanceMinutes(9);
        expect((await sendHandoverNotices({ ...w.deps, notifier })).sent).toBe(0);
        w.clock.advanceMinutes(1);
        expect((await sendHandoverNotices({ ...w.deps, notifier })).sent).toBe(1);
        expect(calls).toBe(2);
    });
});

describe('a send whose outcome is unknown', () => {
    it('Graph not answering (timeout) fails the notice instead of retrying: it may have been sent', async () => {
        // A server that accepts the request and never answers: the client gives up, Graph may still deliver.
        const silent = createServer(() => {});
        await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
        const { port } = silent.address() as AddressInfo;
        const notifier = new GraphNotifier({
            baseUrl: `http://127.0.0.1:${port}/`,
            sharedMailbox: 'handover@contoso-developments.example',
            getToken: async () => 'token',
            getChannelToken: async () => 'token',
            timeoutMs: 200,
        });
        try {
            await w.handovers.open(handover('2001', 'c-1'));
            const report = await sendHandoverNotices({ ...w.deps, notifier });
            expect(report).toMatchObject({ failed: 1, retrying: 0 });
            expect(await w.notices.get('2001:2026-11-20')).toMatchObject({
                state: 'failed',
                attempts: 1,
                failureCode: 'NOTICE_OUTCOME_UNKNOWN',
                lastError: 'POST sendMail got no answer within 200 ms',
            });
        } finally {
            silent.closeAllConnections();
            await new Promise<void>((resolve) => silent.close(() => resolve()));
        }
    });
});
