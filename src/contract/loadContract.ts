import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenApiDocument } from './openapiDiff';

export const CONTRACT_PATH = 'docs/erp-contract.openapi.json';

/** A contract document that cannot be diffed: names the source and why. */
export class ContractSourceError extends Error {
    readonly code = 'CONTRACT_UNREADABLE';
    constructor(
        readonly source: string,
        reason: string,
    ) {
        super(`${source}: ${reason}`);
        this.name = 'ContractSourceError';
    }
}

/**
 * Reads a contract from a file, a URL (the ERP's published document), or `git:<ref>` (the committed baseline at
 * that revision, e.g. `git:HEAD`), validates it as OpenAPI and resolves its $refs.
 */
export async function loadContract(source: string, cwd = process.cwd()): Promise<OpenApiDocument> {
    let text: string;
    try {
        if (source.startsWith('git:')) {
            text = execFileSync('git', ['show', `${source.slice(4)}:${CONTRACT_PATH}`], {
                cwd,
                encoding: 'utf8',
                stdio: ['ignore', 'pipe', 'pipe'],
            });
        } else if (/^https?:\/\//.test(source)) {
            const response = await fetch(source, { signal: AbortSignal.timeout(15_000) });
            if (!response.ok) throw new Error(`HTTP ${response.status}`);
            text = await response.text();
        } else {
            text = readFileSync(source, 'utf8');
        }
    } catch (e) {
        throw new ContractSourceError(source, `cannot read it (${e instanceof Error ? e.message.split('\n')[0] : e})`);
    }
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch (e) {
        throw new ContractSourceError(source, `not JSON (${e instanceof Error ? e.message : e})`);
    }
    try {
        // validate() checks the document against the OpenAPI schema and dereferences it.
        return (await SwaggerParser.validate(json as never)) as OpenApiDocument;
    } catch (e) {
        throw new ContractSourceError(source, `not a valid OpenAPI document (${e instanceof Error ? e.message : e})`);
    }
}
