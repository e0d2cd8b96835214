import { resolve } from 'node:path';
import { loadConfigFile } from '../src/config/configFile';
import {
    createErpFailureClassifier,
    type ErpFailureClassifier,
    erpFailureRulesSchema,
} from '../src/core/erpFailureClassifier';
import { type RetryPolicy, retryPolicySchema } from '../src/core/retryPolicy';
import { type EntityMap, entityMapSchema } from '../src/mapping/entityMapSchema';
import { type ErpMap, erpMapSchema } from '../src/mapping/erpMapSchema';

export interface LoadedConfig {
    entityMap: EntityMap;
    erpMap: ErpMap;
    classifier: ErpFailureClassifier;
    retryPolicy: RetryPolicy;
}

/** The versioned maps and failure rules, validated once at start-up; a bad file stops start-up naming the file and path. */
export interface ConfigPaths {
    ENTITY_MAP_PATH: string;
    ERP_MAP_PATH: string;
    ERP_FAILURE_RULES_PATH: string;
    RETRY_POLICY_PATH: string;
}

export function loadConfigFiles(paths: ConfigPaths, root = process.cwd()): LoadedConfig {
    return {
        entityMap: loadConfigFile(resolve(root, paths.ENTITY_MAP_PATH), entityMapSchema),
        erpMap: loadConfigFile(resolve(root, paths.ERP_MAP_PATH), erpMapSchema),
        classifier: createErpFailureClassifier(
            loadConfigFile(resolve(root, paths.ERP_FAILURE_RULES_PATH), erpFailureRulesSchema),
        ),
        retryPolicy: loadConfigFile(resolve(root, paths.RETRY_POLICY_PATH), retryPolicySchema),
    };
}
