import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
    type BuilderValue,
    buildRemoteExecutionContext,
    buildWebhookHeaders,
    type RemoteExecutionContextInput,
    stripForSizeExceeded,
} from '../../../sandbox/dataverse/remoteExecutionContextBuilder';
import type { NormalizedValue } from '../../../src/dataverse/normalizedEvent';
import { parseDataverseWebhook } from '../../../src/dataverse/parseWebhook';

const contracts = 'http://schemas.microsoft.com/xrm/2011/Contracts';
const organization = 'sandcastle-homes.crm15.dynamics.com';
const reservationId = 'e7d1a9c2-3b4f-f011-8c4d-6045bd8a6f51';
const userId = '2b7e1c90-4a3d-f011-8c4d-6045bd8a1e00';
const savedAt = new Date('2026-04-02T13:05:44.250Z');

const reservationUpdate: RemoteExecutionContextInput = {
    message: 'Update',
    entity: 're_reservation',
    id: reservationId.toUpperCase(),
    attributes: {
        re_status: { option: 100000001 },
        re_value: { money: 2450000.5 },
        re_unitid: {
            ref: { logicalName: 're_unit', id: '4A6F3E21-7C5B-F011-8C4D-6045BD8A4D31', name: 'MARINA-T1-1203' },
        },
        re_reservedon: { date: new Date('2026-03-14T06:30:00Z') },
    },
    preImage: { re_name: 'RSV-000123', re_status: { option: 100000000 } },
    postImage: { re_name: 'RSV-000123', re_status: { option: 100000001 } },
    correlationId: '3e9fad51-8a7f-4b6e-8d4c-5fb0ab9c8d74',
    operationId: '7e1d2c3b-4a5f-f011-8c4d-6045bd8b0004',
    operationCreatedOn: savedAt,
    rowVersion: '6120417',
    userId,
};

type Json = Record<string, unknown>;
const pairs = (value: unknown) => value as Array<{ key: string; value: Json }>;
const targetOf = (ctx: Json) => pairs(ctx.InputParameters).find((p) => p.key === 'Target')?.value as Json;

function roundTrip(input: RemoteExecutionContextInput, sizeExceeded = false) {
    let ctx = buildRemoteExecutionContext(input);
    if (sizeExceeded) ctx = stripForSizeExceeded(ctx);
    const result = parseDataverseWebhook(JSON.stringify(ctx), buildWebhookHeaders(ctx, { organization, sizeExceeded }));
    if (!result.ok) throw new Error(result.error.message);
    return result.value;
}

/** What the parser must make of a BuilderValue. */
function expected(value: BuilderValue): NormalizedValue {
    if (value === null || typeof value !== 'object') return value;
    if ('money' in value) return value.money;
    if ('option' in value) return value.option;
    if ('options' in value) return value.options;
    if ('date' in value) return value.date.toISOString();
    return { logicalName: value.ref.logicalName, id: value.ref.id.toLowerCase(), name: value.ref.name ?? null };
}

function expectedMap(values: Record<string, BuilderValue>): Record<string, NormalizedValue> {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, expected(v)]));
}

describe('buildRemoteExecutionContext', () => {
    it('round-trips an Update through parseDataverseWebhook', () => {
        expect(roundTrip(reservationUpdate)).toEqual({
            messageName: 'Update',
            entity: 're_reservation',
            recordId: reservationId,
            correlationId: '3e9fad51-8a7f-4b6e-8d4c-5fb0ab9c8d74',
            operationId: '7e1d2c3b-4a5f-f011-8c4d-6045bd8b0004',
            operationCreatedOn: '2026-04-02T13:05:44.250Z',
            organizationName: 'unq4f1c0e2a9b7d4c3e8a6f5b2d1c0e9a87',
            mode: 1,
            stage: 40,
            depth: 1,
            rowVersion: '6120417',
            sizeExceeded: false,
            target: {
                re_status: 100000001,
                re_value: 2450000.5,
                re_unitid: {
                    logicalName: 're_unit',
                    id: '4a6f3e21-7c5b-f011-8c4d-6045bd8a4d31',
                    name: 'MARINA-T1-1203',
                },
                re_reservedon: '2026-03-14T06:30:00.000Z',
                re_reservationid: reservationId,
                // Whole seconds, as Dataverse stores them.
                modifiedon: '2026-04-02T13:05:44.000Z',
                modifiedby: { logicalName: 'systemuser', id: userId, name: null },
                modifiedonbehalfby: null,
            },
            preImages: { PreImage: { re_name: 'RSV-000123', re_status: 100000000, re_reservationid: reservationId } },
            postImages: {
                PostImage: { re_name: 'RSV-000123', re_status: 100000001, re_reservationid: reservationId },
                AsynchronousStepPrimaryName: { re_name: 'RSV-000123', re_reservationid: reservationId },
            },
        });
    });

    it('writes the top-level and entity keys in the serializer’s alphabetical order', () => {
        const ctx = buildRemoteExecutionContext(reservationUpdate) as Json;
        const keys = Object.keys(ctx);
        expect(keys).toEqual([...keys].sort());
        expect(Object.keys(ctx.ParentContext as Json)).toEqual(Object.keys(ctx));
        expect(Object.keys(targetOf(ctx))).toEqual([
            '__type',
            'Attributes',
            'EntityState',
            'FormattedValues',
            'Id',
            'KeyAttributes',
            'LogicalName',
            'RelatedEntities',
            'RowVersion',
        ]);
    });

    it('writes typed values in their wire form, with FormattedValues for choices and money', () => {
        const target = targetOf(buildRemoteExecutionContext(reservationUpdate) as Json);
        expect(target.__type).toBe(`Entity:${contracts}`);
        expect(pairs(target.Attributes).slice(0, 4)).toEqual([
            { key: 're_status', value: { __type: `OptionSetValue:${contracts}`, Value: 100000001 } },
            { key: 're_value', value: { __type: `Money:${contracts}`, Value: 2450000.5 } },
            {
                key: 're_unitid',
                value: {
                    __type: `EntityReference:${contracts}`,
                    Id: '4a6f3e21-7c5b-f011-8c4d-6045bd8a4d31',
                    KeyAttributes: [],
                    LogicalName: 're_unit',
                    Name: 'MARINA-T1-1203',
                    RowVersion: null,
                },
            },
            { key: 're_reservedon', value: '/Date(1773469800000)/' },
        ]);
        expect(target.FormattedValues).toEqual([
            { key: 're_status', value: 'Cancelled' },
            { key: 're_value', value: 'AED 2,450,000.50' },
        ]);
        expect(target.RowVersion).toBe('6120417');
    });

    it('describes an async PostOperation step with a Stage 30 ParentContext', () => {
        const ctx = buildRemoteExecutionContext(reservationUpdate) as Json;
        expect([ctx.Mode, ctx.Stage, ctx.Depth, ctx.RequestId, ctx.SecondaryEntityName]).toEqual([
            1,
            40,
            1,
            null,
            'none',
        ]);
        expect(ctx.OperationCreatedOn).toBe('/Date(1775135144250)/');
        const parent = ctx.ParentContext as Json;
        expect(parent.Stage).toBe(30);
        expect(parent.ParentContext).toBeNull();
        expect(pairs(parent.InputParameters).map((p) => p.key)).toEqual(['Target', 'SuppressDuplicateDetection']);
        expect((ctx.OwningExtension as Json).LogicalName).toBe('sdkmessageprocessingstep');
    });

    it('emits OutputParameters[id] and the created-by columns on Create, with images that have no __type', () => {
        const ctx = buildRemoteExecutionContext({
            ...reservationUpdate,
            message: 'Create',
            attributes: { re_name: 'RSV-000123', re_status: { option: 100000000 } },
            preImage: undefined,
        }) as Json;
        expect(ctx.OutputParameters).toEqual([{ key: 'id', value: reservationId }]);
        expect(pairs(targetOf(ctx).Attributes).map((p) => p.key)).toEqual([
            're_name',
            're_status',
            're_reservationid',
            'createdon',
            'createdby',
            'modifiedon',
            'modifiedby',
            'createdonbehalfby',
            'modifiedonbehalfby',
            'ownerid',
            'statecode',
            'statuscode',
        ]);
        const images = pairs(ctx.PostEntityImages);
        expect(images.map((p) => p.key)).toEqual(['PostImage', 'AsynchronousStepPrimaryName']);
        expect(images.every((p) => !('__type' in p.value))).toBe(true);
    });

    it('builds a Delete whose Target is an EntityReference and whose primary-name image is a pre-image', () => {
        const ctx = buildRemoteExecutionContext({
            ...reservationUpdate,
            message: 'Delete',
            attributes: {},
            postImage: undefined,
        }) as Json;
        expect(targetOf(ctx)).toEqual({
            __type: `EntityReference:${contracts}`,
            Id: reservationId,
            KeyAttributes: [],
            LogicalName: 're_reservation',
            Name: null,
            RowVersion: null,
        });
        expect(pairs(ctx.PreEntityImages).map((p) => p.key)).toEqual(['PreImage', 'AsynchronousStepPrimaryName']);
        expect(ctx.PostEntityImages).toEqual([]);
        expect(ctx.OutputParameters).toEqual([]);
        const event = roundTrip({ ...reservationUpdate, message: 'Delete', attributes: {} });
        expect([event.target, event.recordId]).toEqual([null, reservationId]);
    });

    it('names a contact by its first and last name in the primary-name image', () => {
        const ctx = buildRemoteExecutionContext({
            message: 'Create',
            entity: 'contact',
            id: '8f4c2a10-6e1b-f011-8c4d-6045bd8a2b11',
            attributes: { firstname: 'Layla', lastname: 'Haddad (sample)' },
        }) as Json;
        expect(pairs(ctx.PostEntityImages)[0]?.value.Attributes).toEqual([
            { key: 'fullname', value: 'Layla Haddad (sample)' },
            { key: 'contactid', value: '8f4c2a10-6e1b-f011-8c4d-6045bd8a2b11' },
        ]);
    });

    it('is deterministic when given ids and a time, and random only for missing ids', () => {
        expect(buildRemoteExecutionContext(reservationUpdate)).toEqual(buildRemoteExecutionContext(reservationUpdate));
        const { correlationId: _c, operationId: _o, ...withoutIds } = reservationUpdate;
        const a = buildRemoteExecutionContext(withoutIds);
        const b = buildRemoteExecutionContext(withoutIds);
        const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
        expect(a.CorrelationId).toMatch(uuid);
        expect(a.CorrelationId).not.toBe(b.CorrelationId);
        expect(a.OperationId).not.toBe(b.OperationId);
        expect(a.BusinessUnitId).toBe(b.BusinessUnitId);
    });
});

describe('stripForSizeExceeded and buildWebhookHeaders', () => {
    it('removes exactly ParentContext, InputParameters and the images', () => {
        const ctx = buildRemoteExecutionContext(reservationUpdate);
        const stripped = stripForSizeExceeded(ctx);
        expect(Object.keys(ctx).filter((k) => !(k in stripped))).toEqual([
            'InputParameters',
            'ParentContext',
            'PostEntityImages',
            'PreEntityImages',
        ]);
        expect(ctx.InputParameters).toBeDefined();
    });

    it('round-trips a size-exceeded body to a flagged event without target or images', () => {
        const event = roundTrip(reservationUpdate, true);
        expect([event.sizeExceeded, event.target, event.preImages, event.postImages, event.recordId]).toEqual([
            true,
            null,
            {},
            {},
            reservationId,
        ]);
    });

    it('writes the x-ms-dynamics headers', () => {
        const ctx = buildRemoteExecutionContext(reservationUpdate);
        const headers = buildWebhookHeaders(ctx, { organization, sizeExceeded: true });
        expect(headers).toEqual({
            'content-type': 'application/json',
            'x-ms-correlation-request-id': expect.stringMatching(/^[0-9a-f-]{36}$/),
            'x-ms-dynamics-entity-name': 're_reservation',
            'x-ms-dynamics-organization': organization,
            'x-ms-dynamics-request-name': 'Update',
            'x-ms-dynamics-msg-size-exceeded': 'true',
        });
        expect('x-ms-dynamics-msg-size-exceeded' in buildWebhookHeaders(ctx, { organization })).toBe(false);
    });
});

describe('property: any built payload parses back to its inputs', () => {
    const guid = fc.uuid().map((u) => u.toUpperCase());
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }).map((n) => n + 0);
    const value: fc.Arbitrary<BuilderValue> = fc.oneof(
        fc.string().filter((s) => !/^\/Date\(/.test(s) && !/^[0-9a-f-]{36}$/i.test(s)),
        finite,
        fc.boolean(),
        fc.constant(null),
        finite.map((money) => ({ money })),
        fc.integer({ min: 0, max: 100000010 }).map((option) => ({ option })),
        fc.array(fc.integer({ min: 100000000, max: 100000010 }), { maxLength: 4 }).map((options) => ({ options })),
        fc
            .record({
                logicalName: fc.constantFrom('contact', 'account', 're_unit'),
                id: guid,
                name: fc.option(fc.string(), { nil: undefined }),
            })
            .map((ref) => ({ ref })),
        fc
            .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true })
            .map((date) => ({ date })),
    );
    // Never the id column (`<table>id`): the builder adds that one itself.
    const column = fc.stringMatching(/^re_[a-z]{1,10}$/).filter((c) => !c.endsWith('id'));
    const columns = fc.dictionary(column, value, { maxKeys: 6 });
    const input: fc.Arbitrary<RemoteExecutionContextInput> = fc.record(
        {
            message: fc.constantFrom('Create' as const, 'Update' as const, 'Delete' as const),
            entity: fc.constantFrom('re_reservation', 're_unit', 'contact', 're_widget'),
            id: guid,
            attributes: columns,
            preImage: columns,
            postImage: columns,
            correlationId: guid,
            operationId: guid,
            operationCreatedOn: fc.date({
                min: new Date('2000-01-01T00:00:00Z'),
                max: new Date('2100-01-01T00:00:00Z'),
                noInvalidDate: true,
            }),
            rowVersion: fc.stringMatching(/^[1-9][0-9]{0,9}$/),
            depth: fc.integer({ min: 1, max: 8 }),
        },
        { requiredKeys: ['message', 'entity', 'id', 'attributes'] },
    );

    it('round-trips', () => {
        fc.assert(
            fc.property(input, fc.boolean(), (given, sizeExceeded) => {
                const event = roundTrip(given, sizeExceeded);
                const idColumn = `${given.entity}id`;
                expect(event.messageName).toBe(given.message);
                expect(event.entity).toBe(given.entity);
                expect(event.recordId).toBe(given.id.toLowerCase());
                expect(event.depth).toBe(given.depth ?? 1);
                expect(event.sizeExceeded).toBe(sizeExceeded);
                if (given.correlationId) expect(event.correlationId).toBe(given.correlationId.toLowerCase());
                if (given.operationId) expect(event.operationId).toBe(given.operationId.toLowerCase());
                if (given.operationCreatedOn)
                    expect(event.operationCreatedOn).toBe(given.operationCreatedOn.toISOString());
                if (sizeExceeded || given.message === 'Delete') {
                    expect(event.target).toBeNull();
                } else {
                    expect(event.target).toMatchObject(expectedMap(given.attributes));
                    expect(event.target?.[idColumn]).toBe(given.id.toLowerCase());
                    expect(event.rowVersion).toBe(given.rowVersion);
                }
                if (sizeExceeded) {
                    expect([event.preImages, event.postImages]).toEqual([{}, {}]);
                    return;
                }
                const withId = (image: Record<string, BuilderValue>) => ({
                    ...expectedMap(image),
                    [idColumn]: given.id.toLowerCase(),
                });
                if (given.preImage) expect(event.preImages.PreImage).toEqual(withId(given.preImage));
                if (given.postImage) expect(event.postImages.PostImage).toEqual(withId(given.postImage));
                const primaryImages = given.message === 'Delete' ? event.preImages : event.postImages;
                expect(primaryImages.AsynchronousStepPrimaryName?.[idColumn]).toBe(given.id.toLowerCase());
            }),
            { numRuns: 200 },
        );
    });
});
