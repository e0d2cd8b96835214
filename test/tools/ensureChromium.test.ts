import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';

/**
 * tools/ensure-chromium.sh, `npm test`'s first step, run against stand-ins put first on PATH: `id` says who we are,
 * `apt-get` records how it was called (and, like the real one, puts the browser in place). The real apt-get never runs.
 */
const script = resolve('tools/ensure-chromium.sh');
let dir: string;
let bin: string;
let aptLog: string;
let chromium: string;

function executable(path: string, body: string) {
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
}

function fakeAptGet(options: { installFails?: boolean; installPutsBrowser?: boolean } = {}) {
    const install = [
        'if [ "$1" = install ]; then',
        '  :',
        options.installFails ? '  exit 100' : '',
        options.installPutsBrowser === false ? '' : `  printf '#!/bin/sh\\n' > '${chromium}'; chmod +x '${chromium}'`,
        'fi',
    ];
    executable(
        join(bin, 'apt-get'),
        [`echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*" >> '${aptLog}'`, ...install].join('\n'),
    );
}

function run(uid: number, path = `${bin}:/usr/bin:/bin`) {
    executable(join(bin, 'id'), `echo ${uid}`);
    const result = spawnSync('/bin/sh', [script, chromium], { env: { PATH: path }, encoding: 'utf8' });
    const calls = existsSync(aptLog) ? readFileSync(aptLog, 'utf8').trim().split('\n') : [];
    return { status: result.status, stderr: result.stderr, calls };
}

beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ensure-chromium-'));
    bin = mkdtempSync(join(dir, 'bin-'));
    aptLog = join(dir, 'apt-get.log');
    chromium = join(dir, 'chromium');
    fakeAptGet();
});

describe('ensure-chromium (pretest)', () => {
    it('does nothing when Chromium is there, root or not', () => {
        executable(chromium, 'exit 0');
        for (const uid of [0, 1000]) {
            expect(run(uid)).toEqual({ status: 0, stderr: '', calls: [] });
        }
    });

    it('stops a user who is not root at once, with the exact command to run, and installs nothing', () => {
        const { status, stderr, calls } = run(1000);
        expect(status).toBe(1);
        expect(stderr).toContain(`Debian's chromium at ${chromium}`);
        expect(stderr).toContain(
            '\n  sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium\n',
        );
        expect(calls).toEqual([]);
    });

    it("installs Debian's chromium as root: package lists first, no questions, no recommended extras", () => {
        const { status, calls } = run(0);
        expect(status).toBe(0);
        expect(calls).toEqual([
            'DEBIAN_FRONTEND=noninteractive update -q',
            'DEBIAN_FRONTEND=noninteractive install -y -q --no-install-recommends chromium',
        ]);
        expect(existsSync(chromium)).toBe(true);
    });

    it('fails when apt-get fails, or when the package did not put Chromium where the test looks', () => {
        fakeAptGet({ installFails: true });
        expect(run(0).status).not.toBe(0);

        fakeAptGet({ installPutsBrowser: false });
        const { status, stderr } = run(0);
        expect(status).toBe(1);
        expect(stderr).toContain(`${chromium} is still not there`);
    });

    it('says what is needed on a machine without apt-get', () => {
        const { status, stderr, calls } = run(0, join(dir, 'no-apt-get'));
        expect(status).toBe(1);
        expect(stderr).toContain('this machine has no apt-get');
        expect(calls).toEqual([]);
    });
});
