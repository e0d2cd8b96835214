import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname, join } from 'node:path';

export interface AzuriteInstance {
    tableUrl: string;
    blobUrl: string;
    /** Development connection string for the local account (Azurite's published devstoreaccount1). */
    connectionString: string;
    stop(): Promise<void>;
}

/**
 * Azurite's published development account. The key is public, documented by Microsoft for the emulator, and
 * only ever opens this local emulator: it is not a secret. Azure itself is reached with managed identity.
 */
const account = 'devstoreaccount1';
const accountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Starts Azurite (npm `azurite`) for Tables and Blobs on loopback, persisting to `location`. */
export async function startAzurite(options: {
    location: string;
    blobPort?: number;
    tablePort?: number;
    queuePort?: number;
}): Promise<AzuriteInstance> {
    mkdirSync(options.location, { recursive: true });
    const blobPort = options.blobPort || (await freePort());
    const tablePort = options.tablePort || (await freePort());
    const queuePort = options.queuePort || (await freePort());
    const bin = join(dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'azurite.js');
    const child = spawn(
        process.execPath,
        [
            bin,
            '--silent',
            '--skipApiVersionCheck',
            '--loose',
            '--location',
            options.location,
            '--blobHost',
            '127.0.0.1',
            '--blobPort',
            String(blobPort),
            '--tableHost',
            '127.0.0.1',
            '--tablePort',
            String(tablePort),
            '--queueHost',
            '127.0.0.1',
            '--queuePort',
            String(queuePort),
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
    });
    try {
        await Promise.all([waitForPort(blobPort, child, () => stderr), waitForPort(tablePort, child, () => stderr)]);
    } catch (e) {
        child.kill('SIGKILL');
        throw e;
    }
    const blobUrl = `http://127.0.0.1:${blobPort}/${account}`;
    const tableUrl = `http://127.0.0.1:${tablePort}/${account}`;
    return {
        blobUrl,
        tableUrl,
        connectionString: `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${accountKey};BlobEndpoint=${blobUrl};TableEndpoint=${tableUrl};`,
        stop: () => stopChild(child),
    };
}

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            const port = typeof address === 'object' && address ? address.port : 0;
            server.close(() => resolve(port));
        });
    });
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`Azurite exited with code ${child.exitCode}: ${stderr().trim()}`);
        if (await canConnect(port)) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`Azurite did not listen on 127.0.0.1:${port} within 20 s: ${stderr().trim()}`);
}

function canConnect(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = createConnection({ host: '127.0.0.1', port });
        socket.once('connect', () => {
            socket.destroy();
            resolve(true);
        });
        socket.once('error', () => resolve(false));
    });
}

function stopChild(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
}
