import { parseArgs } from 'node:util';
import { renderContractDiff } from '../src/contract/contractDiffReport';
import { CONTRACT_PATH, ContractSourceError, loadContract } from '../src/contract/loadContract';
import { diffOpenApi } from '../src/contract/openapiDiff';

/**
 * npm run contract:diff [-- --base <file|url|git:ref>] [--new <file|url|git:ref>] [--json]
 * Breaking changes between two ERP contract versions (removed operation, removed response field, new required
 * request field, narrowed enum …). Defaults: the committed contract (git:HEAD) against the working copy of
 * docs/erp-contract.openapi.json; after an ERP upgrade pass the ERP's published document with --new.
 * Exit code 1 when something breaks, 2 when a document cannot be read.
 */
async function main(): Promise<number> {
    const { values } = parseArgs({
        options: {
            base: { type: 'string', default: 'git:HEAD' },
            new: { type: 'string', default: CONTRACT_PATH },
            json: { type: 'boolean', default: false },
        },
    });
    const base = values.base as string;
    const next = values.new as string;
    const changes = diffOpenApi(await loadContract(base), await loadContract(next));
    if (values.json) process.stdout.write(`${JSON.stringify({ base, new: next, changes }, null, 2)}\n`);
    else process.stdout.write(renderContractDiff(base, next, changes));
    return changes.some((c) => c.severity === 'breaking') ? 1 : 0;
}

main().then(
    (code) => {
        process.exitCode = code;
    },
    (e: unknown) => {
        process.stderr.write(`${e instanceof ContractSourceError ? e.message : String(e)}\n`);
        process.exitCode = 2;
    },
);
