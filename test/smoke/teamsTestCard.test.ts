import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/localRuntime';
import { teamsThroughApp } from '../../scripts/lib/azureSmoke';
import { localTestSettings } from '../support/localTestSettings';

/**
 * The Azure smoke test posts its card through the function app (POST /api/teams/test-card), the one holder of the
 * Teams app's identity. Here the same handler runs in the local host, with the real token chain against the sandbox.
 */
let runtime: LocalRuntime;
let stateDir: string;

beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'teams-card-'));
    runtime = await startLocalRuntime(localTestSettings(stateDir));
}, 120_000);

afterAll(async () => {
    await runtime?.stop();
    rmSync(stateDir, { recursive: true, force: true });
});

const install = async (teams: string[] | null) => {
    const res = await fetch(`${runtime.graph.url}/sandbox/installations`, {
        method: 'PUT',
        body: JSON.stringify({ teams }),
    });
    expect(res.status).toBe(204);
};

describe('POST /api/teams/test-card, as the smoke test calls it', () => {
    it('posts the card as the Teams app to a registry contact channel and answers its message id', async () => {
        const teams = teamsThroughApp(`${runtime.host.url}/`, 'local-no-sign-in', 'salesOperations');
        if (!('post' in teams)) throw new Error(teams.unavailable);
        const outcome = await teams.post();
        expect(outcome).toMatchObject({
            ok: true,
            channel: {
                teamId: '2a4b6c88-7d3e-4a2b-8e99-4f5a6b7c8d04',
                channelId: '19:sales-ops-integration@thread.tacv2',
            },
        });
        const posted = runtime.graph.channelMessages.at(-1);
        expect(outcome.ok && outcome.messageId).toBe(posted?.id);
        expect(JSON.stringify(posted?.cards)).toContain('Integration test card');
    });

    it('answers 502 with Graph status, code and hint when the app is not installed there', async () => {
        await install(['another-team']);
        try {
            const teams = teamsThroughApp(`${runtime.host.url}/`, 'local-no-sign-in', 'finance');
            if (!('post' in teams)) throw new Error(teams.unavailable);
            expect(await teams.post()).toMatchObject({
                ok: false,
                status: 403,
                graphCode: 'Forbidden',
                hint: expect.stringContaining(
                    'the Teams app is not installed in team 6b8e2d44-5a1f-4f0b-8c77-2d3e4f5a6b02',
                ),
            });
        } finally {
            await install(null);
        }
    });

    it('refuses a channel the registry does not know, and a browser POST from another site', async () => {
        const unknown = await fetch(`${runtime.host.url}/api/teams/test-card`, {
            method: 'POST',
            body: JSON.stringify({ channel: 'nobody' }),
        });
        expect(unknown.status).toBe(400);
        expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('UNKNOWN_CHANNEL');
        // Who may post it in Azure (Console.Act) is held by test/functions/registrations.test.ts; locally nobody
        // signs in, but a cross-site browser request still cannot make the app post.
        const crossSite = await fetch(`${runtime.host.url}/api/teams/test-card`, {
            method: 'POST',
            headers: { 'sec-fetch-site': 'cross-site' },
            body: JSON.stringify({ channel: 'integration' }),
        });
        expect(crossSite.status).toBe(403);
    });

    it('without a function key or URL the smoke test says how to provide them instead of posting', () => {
        expect(teamsThroughApp(undefined, 'k', 'integration')).toMatchObject({
            unavailable: expect.stringContaining('functionAppUrl'),
        });
        expect(teamsThroughApp('https://func.example/', undefined, 'integration')).toMatchObject({
            unavailable: expect.stringContaining('SMOKE_TOKEN'),
        });
    });
});
