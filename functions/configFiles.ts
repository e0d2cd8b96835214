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
import { type NoticeTemplates, noticeTemplatesSchema } from '../src/notifications/noticeTemplates';
import { type OwnerRegistry, ownerRegistrySchema } from '../src/notifications/ownerRegistry';

export interface LoadedConfig {
    entityMap: EntityMap;
    erpMap: ErpMap;
    classifier: ErpFailureClassifier;
    retryPolicy: RetryPolicy;
    owners: OwnerRegistry;
    noticeTemplates: NoticeTemplates;
}

/** The versioned maps and failure rules, validated once at start-up; a bad file stops start-up naming the file and path. */
export interface ConfigPaths {
    ENTITY_MAP_PATH: string;
    ERP_MAP_PATH: string;
    ERP_FAILURE_RULES_PATH: string;
    RETRY_POLICY_PATH: string;
    /** Default config/owners.v1.json and config/notice-templates.v1.json. */
    OWNERS_PATH?: string;
    NOTICE_TEMPLATES_PATH?: string;
}

export function loadConfigFiles(paths: ConfigPaths, root = process.cwd()): LoadedConfig {
    return {
        entityMap: loadConfigFile(resolve(root, paths.ENTITY_MAP_PATH), entityMapSchema),
        erpMap: loadConfigFile(resolve(root, paths.ERP_MAP_PATH), erpMapSchema),
        classifier: createErpFailureClassifier(
            loadConfigFile(resolve(root, paths.ERP_FAILURE_RULES_PATH), erpFailureRulesSchema),
        ),
        retryPolicy: loadConfigFile(resolve(root, paths.RETRY_POLICY_PATH), retryPolicySchema),
        owners: loadConfigFile(resolve(root, paths.OWNERS_PATH ?? 'config/owners.v1.json'), ownerRegistrySchema),
        noticeTemplates: loadConfigFile(
            resolve(root, paths.NOTICE_TEMPLATES_PATH ?? 'config/notice-templates.v1.json'),
            noticeTemplatesSchema,
        ),
    };
}
