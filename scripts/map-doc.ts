import { writeFileSync } from 'node:fs';
import { loadConfigFiles } from '../functions/configFiles';
import { renderFieldMapDocument } from '../src/mapping/fieldMapDocument';

/**
 * npm run map:doc [-- --write]
 * Prints the active map versions as the field-map document (source table and field, target field, transformation,
 * required or optional, conflict rule, sync direction). --write refreshes docs/field-map.md.
 */
const config = loadConfigFiles({
    ENTITY_MAP_PATH: process.env.ENTITY_MAP_PATH ?? 'config/entity-map.v1.json',
    ERP_MAP_PATH: process.env.ERP_MAP_PATH ?? 'config/erp-map.v1.json',
    ERP_FAILURE_RULES_PATH: process.env.ERP_FAILURE_RULES_PATH ?? 'config/erp-failure-rules.v1.json',
    RETRY_POLICY_PATH: process.env.RETRY_POLICY_PATH ?? 'config/retry-policy.v1.json',
});
const document = renderFieldMapDocument(config.entityMap, config.erpMap);
if (process.argv.includes('--write')) {
    writeFileSync('docs/field-map.md', document);
    process.stdout.write('docs/field-map.md written\n');
} else {
    process.stdout.write(document);
}
