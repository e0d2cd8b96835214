import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname, join } from 'node:path';

export interface AzuriteOptions {
    /** Where Azurite keeps its files (and its working directory, so nothing lands in the repository). */
    location: string;
    /** 0 or undefined: a free ephemeral port is chosen. */
    blobPort?: number;
    tablePort?: number;
    queuePort?: number;
    /** Keep nothing on disk; data is lost on stop. */
    inMemory?: boolean;
    /** Hide Azurite's access log (default true). */
    silent?: boolean;
}

export interface AzuriteInstance {
    tableUrl: string;
    blobUrl: string;
    /** Development connection string for Azurite's published devstoreaccount1, with explicit endpoints. */
    connectionString: string;
    /** The options with the ports actually used: starting again with them finds the same data. */
    readonly options: Required<AzuriteOptions>;
    stop(): Promise<void>;
}

/**
 * Azurite's well-known development account, published in Microsoft's emulator documentation. The key is public,
 * only ever opens this local emulator and is not a secret; Azure itself is reached with managed identity.
 */
const account = 'devstoreaccount1';
const accountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const readyTimeoutMs = 20_000;
const running = new Set<ChildProcess>();

/** Starts Azurite (npm `azurite`) on 127.0.0.1; with file persistence a restart on the same location keeps the data. */
export async function startAzurite(options: AzuriteOptions): Promise<AzuriteInstance> {
    // A port we picked can be taken by another process between our check and Azurite's listen (tests start several
    // at once): then pick again. Ports the caller named are never changed.
    const pickedByUs = !options.blobPort || !options.tablePort || !options.queuePort;
    for (let attempt = 1; ; attempt++) {
        try {
            return await startAzuriteOnce(options);
        } catch (e) {
            const portTaken = e instanceof Error && /EADDRINUSE/.test(e.message);
            if (!pickedByUs || !portTaken || attempt >= 3) throw e;
        }
    }
}

async function startAzuriteOnce(options: AzuriteOptions): Promise<AzuriteInstance> {
    mkdirSync(options.location, { recursive: true });
    const resolved: Required<AzuriteOptions> = {
        location: options.location,
        blobPort: options.blobPort || (await freePort()),
        tablePort: options.tablePort || (await freePort()),
        queuePort: options.queuePort || (await freePort()),
        inMemory: options.inMemory ?? false,
        silent: options.silent ?? true,
    };
    // A port held by another process would answer our readiness probe, so refuse it before spawning.
    for (const service of ['blob', 'table', 'queue'] as const) {
        await ensurePortFree(resolved[`${service}Port`], service);
    }
    const child = spawn(process.execPath, [azuriteBin(), ...azuriteArgs(resolved)], {
        cwd: resolved.location,
        stdio: ['ignore', resolved.silent ? 'ignore' : 'inherit', 'pipe'],
    });
    running.add(child);
    child.once('exit', () => running.delete(child));
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-4000);
    });
    try {
        await waitUntilListening([resolved.tablePort, resolved.blobPort], child, () => stderr.trim());
    } catch (e) {
        await stopChild(child);
        throw e;
    }
    const blobUrl = `http://127.0.0.1:${resolved.blobPort}/${account}`;
    const tableUrl = `http://127.0.0.1:${resolved.tablePort}/${account}`;
    const queueUrl = `http://127.0.0.1:${resolved.queuePort}/${account}`;
    return {
        blobUrl,
        tableUrl,
        connectionString: `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${accountKey};BlobEndpoint=${blobUrl};QueueEndpoint=${queueUrl};TableEndpoint=${tableUrl};`,
        options: resolved,
        stop: () => stopChild(child),
    };
}

/** Stops an instance and starts it again on the same location and ports (the "Azurite restarted mid-run" case). */
export async function restartAzurite(instance: AzuriteInstance): Promise<AzuriteInstance> {
    await instance.stop();
    return startAzurite(instance.options);
}

function azuriteBin(): string {
    const manifest = require.resolve('azurite/package.json');
    const bin = (require(manifest) as { bin: Record<string, string> }).bin.azurite;
    if (!bin) throw new Error('The azurite package declares no `azurite` bin entry');
    return join(dirname(manifest), bin);
}

function azuriteArgs(o: Required<AzuriteOptions>): string[] {
    const args = ['--skipApiVersionCheck', '--loose', '--disableTelemetry'];
    if (o.silent) args.push('--silent');
    // Azurite refuses --inMemoryPersistence together with --location.
    args.push(...(o.inMemory ? ['--inMemoryPersistence'] : ['--location', o.location]));
    for (const service of ['blob', 'table', 'queue'] as const) {
        args.push(`--${service}Host`, '127.0.0.1', `--${service}Port`, String(o[`${service}Port`]));
    }
    return args;
}

function freePort(): Promise<number> {
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

function ensurePortFree(port: number, service: string): Promise<void> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.once('error', (e: NodeJS.ErrnoException) =>
            reject(new Error(`Azurite cannot start: the ${service} port 127.0.0.1:${port} is not free (${e.code})`)),
        );
        server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
    });
}

async function waitUntilListening(ports: number[], child: ChildProcess, stderr: () => string): Promise<void> {
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
        if (child.exitCode !== null || child.signalCode !== null) {
            throw new Error(`Azurite exited during start-up (code ${child.exitCode ?? child.signalCode}): ${stderr()}`);
        }
        const open = await Promise.all(ports.map(canConnect));
        if (open.every(Boolean)) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
        `Azurite did not listen on 127.0.0.1:${ports.join(', ')} within ${readyTimeoutMs / 1000} s: ${stderr()}`,
    );
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

/** SIGTERM lets Azurite flush its database files; SIGKILL only if it hangs. */
function stopChild(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
        const hang = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
            clearTimeout(hang);
            resolve();
        });
        child.kill('SIGTERM');
    });
}

// An emulator must not outlive the process that started it (a crashed test run); SIGTERM still lets it flush.
process.once('exit', () => {
    for (const child of running) child.kill('SIGTERM');
});
