import type { EntityMap, EntityRule } from '../mapping/entityMapSchema';

/**
 * What Dataverse must hold for the active entity map: one webhook service endpoint, one asynchronous
 * PostOperation step per mapped table and message, and the images intake needs. Pure: the map in, the
 * desired registration out (Dataverse's own column values, documented on its sdkmessageprocessingstep table).
 */

/** The endpoint's name, and the prefix of every step this command owns ("<endpoint>: <Message> of <table>"). */
export const registrationName = 'crm-erp-integration';
const stepPrefix = `${registrationName}: `;

/**
 * The Plug-in Registration Tool names a webhook's steps "<webhook>: <Message> of <table>", so a registration
 * made by hand as docs/dataverse-setup.md described is found and adopted instead of duplicated.
 */
export function stepName(message: StepMessage, table: string): string {
    return `${stepPrefix}${message} of ${table}`;
}

export function isOwnedStepName(name: string): boolean {
    return name.startsWith(stepPrefix);
}

export type StepMessage = 'Create' | 'Update' | 'Delete';

/** serviceendpoint.authtype: 4 WebhookKey (sent as `?code=`, a function key), 5 HttpHeader. */
export type EndpointAuth = { type: 'webhookKey' } | { type: 'httpHeader'; headerName: string };

export const authTypes = { webhookKey: 4, httpHeader: 5 } as const;
export const authTypeNames: Record<number, string> = { 4: 'WebhookKey', 5: 'HttpHeader', 6: 'HttpQueryString' };

export interface DesiredEndpoint {
    name: string;
    /** 8 = Webhook. */
    contract: 8;
    url: string;
    authtype: 4 | 5;
    auth: EndpointAuth;
    description: string;
}

export interface DesiredImage {
    name: string;
    entityalias: string;
    /** 0 PreImage, 1 PostImage (2 Both is never asked for: intake reads the two aliases separately). */
    imagetype: 0 | 1;
    messagepropertyname: 'Target';
    attributes: string[];
}

export interface DesiredStep {
    name: string;
    table: string;
    message: StepMessage;
    description: string;
    /** 1 = Asynchronous: a slow or failing endpoint never fails the user's save. */
    mode: 1;
    /** 40 = PostOperation, the only stage an asynchronous step may have. */
    stage: 40;
    rank: 1;
    /** 0 = Server only. */
    supporteddeployment: 0;
    /** Successful system jobs are deleted; failed ones stay for diagnosis. */
    asyncautodelete: true;
    /** Update only: a change to any other column does not fire the step. */
    filteringattributes: string[] | null;
    images: DesiredImage[];
}

export interface DesiredRegistration {
    endpoint: DesiredEndpoint;
    steps: DesiredStep[];
}

export const preImage = { name: 'PreImage', entityalias: 'PreImage', imagetype: 0 } as const;
export const postImage = { name: 'PostImage', entityalias: 'PostImage', imagetype: 1 } as const;

export function desiredRegistration(
    map: EntityMap,
    endpoint: { url: string; auth: EndpointAuth },
): DesiredRegistration {
    const steps: DesiredStep[] = [];
    for (const [table, rule] of Object.entries(map.entities)) {
        for (const message of stepMessages(rule)) steps.push(desiredStep(table, rule, message));
    }
    return {
        endpoint: {
            name: registrationName,
            contract: 8,
            url: endpoint.url,
            authtype: authTypes[endpoint.auth.type],
            auth: endpoint.auth,
            description: 'Dataverse → ERP integration intake. Managed by `npm run dataverse:register`.',
        },
        steps,
    };
}

/** Deletes are registered only where the map propagates them (`onDelete: cancel`); intake ignores the others. */
function stepMessages(rule: EntityRule): StepMessage[] {
    return rule.messages.filter((m) => m !== 'Delete' || rule.onDelete === 'cancel');
}

function desiredStep(table: string, rule: EntityRule, message: StepMessage): DesiredStep {
    const columns = unique(rule.fields.map((f) => f.source));
    const image = (kind: typeof preImage | typeof postImage): DesiredImage => ({
        ...kind,
        messagepropertyname: 'Target',
        attributes: columns,
    });
    // Create has no pre-image (the row does not exist yet), Delete no post-image (it no longer does).
    const images =
        message === 'Create'
            ? [image(postImage)]
            : message === 'Update'
              ? [image(preImage), image(postImage)]
              : [image(preImage)];
    return {
        name: stepName(message, table),
        table,
        message,
        description: `Sends ${message} of ${table} to the integration's webhook. Managed by \`npm run dataverse:register\`.`,
        mode: 1,
        stage: 40,
        rank: 1,
        supporteddeployment: 0,
        asyncautodelete: true,
        filteringattributes: message === 'Update' ? unique(rule.triggerColumns ?? columns) : null,
        images,
    };
}

function unique(values: readonly string[]): string[] {
    return [...new Set(values)];
}

/**
 * serviceendpoint.authvalue as Dataverse expects it: the key itself for WebhookKey (sent as `?code=`), and a
 * `<settings>` list of header names and values for HttpHeader.
 */
export function authValue(auth: EndpointAuth, secret: string): string {
    if (auth.type === 'webhookKey') return secret;
    return `<settings><setting name="${xml(auth.headerName)}" value="${xml(secret)}" /></settings>`;
}

function xml(value: string): string {
    return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
