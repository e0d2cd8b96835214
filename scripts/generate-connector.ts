import { readFileSync, writeFileSync } from 'node:fs';
import { apiOperations } from '../functions/api/apiOperations';
import { iconPath, renderIcon, renderSwagger, swaggerPath } from '../functions/api/connectorFiles';

/**
 * npm run connector:generate [-- --check]
 * Writes connector/apiDefinition.swagger.json from the operation list and the zod schemas the handlers validate with,
 * and connector/icon.png. --check writes nothing and exits 1 when the committed swagger is out of date (CI).
 */
function main(): void {
    const swagger = renderSwagger();
    if (process.argv.includes('--check')) {
        const committed = readFileSync(swaggerPath, 'utf8');
        if (committed !== swagger) {
            process.stderr.write(`${swaggerPath} is out of date: run npm run connector:generate\n`);
            process.exit(1);
        }
        process.stdout.write(`${swaggerPath} is up to date\n`);
        return;
    }
    writeFileSync(swaggerPath, swagger);
    writeFileSync(iconPath, renderIcon());
    process.stdout.write(`${swaggerPath} and ${iconPath} written (${apiOperations.length} operations)\n`);
}

main();
