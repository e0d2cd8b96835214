import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../src/dataverse/normalizedEvent';
import { parseDataverseWebhook } from '../../src/dataverse/parseWebhook';

const fixtureDir = join(__dirname, '..', 'fixtures', 'dataverse');
const allHeaders = JSON.parse(readFileSync(join(fixtureDir, 'headers.json'), 'utf8')) as Record<
    string,
    Record<string, string>
>;
const fixtureNames = readdirSync(fixtureDir).filter((f) => f.endsWith('.json') && f !== 'headers.json');

function fixtureText(name: string): string {
    return readFileSync(join(fixtureDir, name), 'utf8');
}

function fixtureObject(name: string): Record<string, unknown> {
    return JSON.parse(fixtureText(name)) as Record<string, unknown>;
}

function parseFixture(name: string): NormalizedEvent {
    const result = parseDataverseWebhook(fixtureText(name), allHeaders[name] ?? {});
    if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
    return result.value;
}

const org = 'unq7c2e9a41d3b8f011a6f16045bd8a1e0f';
const user = { logicalName: 'systemuser', id: '2b7e1c90-4a3d-f011-8c4d-6045bd8a1e00', name: null };
const reservationId = 'e7d1a9c2-3b4f-f011-8c4d-6045bd8a6f51';
const unitRef = { logicalName: 're_unit', id: '4a6f3e21-7c5b-f011-8c4d-6045bd8a4d31', name: 'MARINA-T1-1203' };
const buyerRef = { logicalName: 'contact', id: '8f4c2a10-6e1b-f011-8c4d-6045bd8a2b11', name: 'Layla Haddad (sample)' };
const brokerRef = {
    logicalName: 'account',
    id: 'c51a0e77-9b8d-f011-8c4d-6045bd8a3c21',
    name: 'Palm Crest Realty (sample)',
};
const reservationRef = { logicalName: 're_reservation', id: reservationId, name: 'RSV-000123' };
const buildingRef = { logicalName: 're_building', id: '91b2c3d4-0e1f-f011-8c4d-6045bd8a5e41', name: 'MARINA-T1' };
const reservationColumns = {
    re_name: 'RSV-000123',
    re_unitid: unitRef,
    re_buyerid: buyerRef,
    re_brokerfirmid: brokerRef,
    re_value: 2450000,
    re_bookingamount: 245000,
    re_reservedon: '2026-03-14T06:30:00.000Z',
    re_status: 100000000,
    re_reservationid: reservationId,
};
const asyncEvent = { mode: 1, stage: 40, depth: 1, organizationName: org, sizeExceeded: false };

/** The columns the platform adds to a Create target (createdon = modifiedon = the second the row was saved). */
function createdSystemColumns(idColumn: string, id: string, savedAt: string) {
    return {
        [idColumn]: id,
        createdon: savedAt,
        createdby: user,
        modifiedon: savedAt,
        modifiedby: user,
        createdonbehalfby: null,
        modifiedonbehalfby: null,
        ownerid: user,
        statecode: 0,
        statuscode: 1,
    };
}

describe('parseDataverseWebhook on the fixtures', () => {
    it('has at least ten fixtures and headers for each', () => {
        expect(fixtureNames.length).toBeGreaterThanOrEqual(10);
        expect(Object.keys(allHeaders).sort()).toEqual([...fixtureNames].sort());
    });

    it.each(fixtureNames)('parses %s from its raw text', (name) => {
        const result = parseDataverseWebhook(fixtureText(name), allHeaders[name] ?? {});
        expect(result.error).toBeUndefined();
        expect(result.ok).toBe(true);
    });

    it.each(fixtureNames)('parses %s from an already-decoded object to the same event', (name) => {
        expect(parseDataverseWebhook(fixtureObject(name), allHeaders[name] ?? {})).toEqual(
            parseDataverseWebhook(fixtureText(name), allHeaders[name] ?? {}),
        );
    });

    it('contact Create (old capture without the Azure AD keys, +0000 on OperationCreatedOn)', () => {
        const contactId = '8f4c2a10-6e1b-f011-8c4d-6045bd8a2b11';
        expect(parseFixture('contact-create.json')).toEqual({
            ...asyncEvent,
            messageName: 'Create',
            entity: 'contact',
            recordId: contactId,
            correlationId: '0b6f7a2e-5d4c-4e3b-9a1f-2c8d7e6f5a41',
            operationId: '7e1d2c3b-4a5f-f011-8c4d-6045bd8b0001',
            operationCreatedOn: '2026-03-10T08:15:02.000Z',
            target: {
                firstname: 'Layla',
                lastname: 'Haddad (sample)',
                emailaddress1: 'layla.haddad@example.com',
                mobilephone: '+971 50 000 0101',
                re_nationalid: '784-0000-0000001-1',
                ...createdSystemColumns('contactid', contactId, '2026-03-10T08:15:02.000Z'),
            },
            preImages: {},
            postImages: { AsynchronousStepPrimaryName: { fullname: 'Layla Haddad (sample)', contactid: contactId } },
        });
    });

    it('contact Update carries only the changed column plus modifiedon/modifiedby, and the RowVersion', () => {
        const event = parseFixture('contact-update.json');
        expect(event.target).toEqual({
            mobilephone: '+971 50 000 0199',
            contactid: '8f4c2a10-6e1b-f011-8c4d-6045bd8a2b11',
            modifiedon: '2026-03-12T11:40:27.000Z',
            modifiedby: user,
            modifiedonbehalfby: null,
        });
        expect(event.rowVersion).toBe('5948260');
        // +0400 suffix: the number is UTC already.
        expect(event.operationCreatedOn).toBe('2026-03-12T11:40:27.000Z');
        expect(Object.keys(event.postImages)).toEqual(['PostImage', 'AsynchronousStepPrimaryName']);
    });

    it('re_reservation Create: Money, OptionSetValue, EntityReference, dates with and without offset, images', () => {
        expect(parseFixture('reservation-create.json')).toEqual({
            ...asyncEvent,
            messageName: 'Create',
            entity: 're_reservation',
            recordId: reservationId,
            correlationId: '2d8f9c40-7f6e-4a5d-9c3b-4eaf9a8b7c63',
            operationId: '7e1d2c3b-4a5f-f011-8c4d-6045bd8b0003',
            operationCreatedOn: '2026-03-14T06:31:12.000Z',
            target: {
                ...reservationColumns,
                ...createdSystemColumns('re_reservationid', reservationId, '2026-03-14T06:31:12.000Z'),
            },
            preImages: {},
            postImages: {
                PostImage: reservationColumns,
                AsynchronousStepPrimaryName: { re_name: 'RSV-000123', re_reservationid: reservationId },
            },
        });
    });

    it('re_reservation Update to Cancelled with pre- and post-images', () => {
        expect(parseFixture('reservation-update-cancelled.json')).toEqual({
            ...asyncEvent,
            messageName: 'Update',
            entity: 're_reservation',
            recordId: reservationId,
            correlationId: '3e9fad51-8a7f-4b6e-8d4c-5fb0ab9c8d74',
            operationId: '7e1d2c3b-4a5f-f011-8c4d-6045bd8b0004',
            operationCreatedOn: '2026-04-02T13:05:44.000Z',
            rowVersion: '6120417',
            target: {
                re_status: 100000001,
                re_reservationid: reservationId,
                modifiedon: '2026-04-02T13:05:44.000Z',
                modifiedby: user,
                modifiedonbehalfby: null,
            },
            preImages: { PreImage: reservationColumns },
            postImages: {
                PostImage: { ...reservationColumns, re_status: 100000001 },
                AsynchronousStepPrimaryName: { re_name: 'RSV-000123', re_reservationid: reservationId },
            },
        });
    });

    it('re_installment Create keeps the milestone percent and a 4-decimal Money; ParentContext null; depth 2', () => {
        const event = parseFixture('installment-create.json');
        const id = '5c8b2e64-7a1d-f011-8c4d-6045bd8a7a61';
        expect(event.depth).toBe(2);
        expect(event.target).toEqual({
            re_name: 'RSV-000123-03',
            re_reservationid: reservationRef,
            re_sequence: 3,
            re_duedate: '2027-01-31T20:00:00.000Z',
            re_amount: 367500.125,
            re_milestonepercent: 70,
            ...createdSystemColumns('re_installmentid', id, '2026-03-14T06:31:15.000Z'),
        });
    });

    it('re_receipt Create with the payment method and a RequestId', () => {
        const event = parseFixture('receipt-create.json');
        expect(event.requestId).toBe('9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d');
        expect(event.target).toEqual({
            re_name: 'RCP-2026-004518',
            re_reservationid: reservationRef,
            re_amount: 245000,
            re_receivedon: '2026-03-15T05:12:00.000Z',
            re_method: 100000000,
            ...createdSystemColumns('re_receiptid', 'a3f0d815-2c6e-f011-8c4d-6045bd8a8b71', '2026-03-15T05:12:31.000Z'),
        });
    });

    it('re_commission Create', () => {
        expect(parseFixture('commission-create.json').target).toEqual({
            re_name: 'COM-2026-000311',
            re_reservationid: reservationRef,
            re_brokerfirmid: brokerRef,
            re_agentcode: 'AG-0042',
            re_sharepercent: 2.5,
            re_amount: 61250,
            ...createdSystemColumns(
                're_commissionid',
                '6e2d4b97-8f3a-f011-8c4d-6045bd8a9c81',
                '2026-03-16T09:02:10.000Z',
            ),
        });
    });

    it('re_constructionprogress Create', () => {
        const event = parseFixture('constructionprogress-create.json');
        expect(event.recordId).toBe('b8c7e5a3-1d2f-f011-8c4d-6045bd8aad91');
        expect(event.target).toEqual({
            re_buildingid: buildingRef,
            re_percentcomplete: 70,
            re_period: '2026-09',
            re_reportedon: '2026-09-30T12:00:00.000Z',
            ...createdSystemColumns(
                're_constructionprogressid',
                'b8c7e5a3-1d2f-f011-8c4d-6045bd8aad91',
                '2026-09-30T12:00:41.000Z',
            ),
        });
    });

    it('re_unit Update to Ready for handover', () => {
        const unitId = '4a6f3e21-7c5b-f011-8c4d-6045bd8a4d31';
        const unit = {
            re_code: 'MARINA-T1-1203',
            re_buildingid: buildingRef,
            re_floor: 12,
            re_status: 100000002,
            re_listprice: 2450000,
            re_ownerid: buyerRef,
            re_unitid: unitId,
        };
        const event = parseFixture('unit-update-ready-for-handover.json');
        expect(event.target).toEqual({
            re_status: 100000003,
            re_readyforhandoveron: '2027-06-01T05:00:00.000Z',
            re_unitid: unitId,
            modifiedon: '2027-06-01T05:00:09.000Z',
            modifiedby: user,
            modifiedonbehalfby: null,
        });
        expect(event.preImages).toEqual({ PreImage: unit });
        expect(event.postImages.PostImage).toEqual({
            ...unit,
            re_status: 100000003,
            re_readyforhandoveron: '2027-06-01T05:00:00.000Z',
        });
        expect(event.rowVersion).toBe('7310552');
    });

    it('Delete: Target is an EntityReference, so target is null and the id comes from it', () => {
        expect(parseFixture('reservation-delete.json')).toEqual({
            ...asyncEvent,
            messageName: 'Delete',
            entity: 're_reservation',
            recordId: reservationId,
            correlationId: '8de4f2a6-dfc4-40b3-9c91-a405f0e1d2c9',
            operationId: '7e1d2c3b-4a5f-f011-8c4d-6045bd8b000a',
            operationCreatedOn: '2026-04-20T07:45:00.000Z',
            target: null,
            preImages: {
                PreImage: reservationColumns,
                AsynchronousStepPrimaryName: { re_name: 'RSV-000123', re_reservationid: reservationId },
            },
            postImages: {},
        });
    });

    it('size exceeded: no InputParameters or images, target null, flag set', () => {
        expect(parseFixture('reservation-update-size-exceeded.json')).toEqual({
            ...asyncEvent,
            sizeExceeded: true,
            messageName: 'Update',
            entity: 're_reservation',
            recordId: reservationId,
            correlationId: '9ef503b7-e0d5-41c4-8da2-b516a1f2e3da',
            operationId: '7e1d2c3b-4a5f-f011-8c4d-6045bd8b000b',
            operationCreatedOn: '2026-05-03T10:20:30.000Z',
            target: null,
            preImages: {},
            postImages: {},
        });
    });

    it('multi-select OptionSetValueCollection, EntityCollection and an "Unknown": null key', () => {
        const event = parseFixture('appointment-create-multiselect.json');
        expect(event.target?.re_unittypes).toEqual([100000001, 100000003]);
        expect(event.target?.regardingobjectid).toEqual(unitRef);
        expect(event.target?.requiredattendees).toEqual([
            { partyid: buyerRef, participationtypemask: 5, activitypartyid: 'd1e2f3a4-b5c6-f011-8c4d-6045bd8bc0b1' },
            {
                partyid: { ...user, name: 'Omar Saleh (sample)' },
                participationtypemask: 5,
                activitypartyid: 'd1e2f3a4-b5c6-f011-8c4d-6045bd8bc0b2',
            },
        ]);
        expect(event.postImages).toEqual({
            AsynchronousStepPrimaryName: {
                subject: 'Site viewing MARINA-T1-1203',
                appointmentid: '1f3e5d7c-9b2a-f011-8c4d-6045bd8abea1',
            },
        });
    });
});

describe('parseDataverseWebhook on bad input', () => {
    const name = 'reservation-update-cancelled.json';
    const headers = allHeaders[name] ?? {};
    const base = () => fixtureObject(name);
    const targetOf = (body: Record<string, unknown>) =>
        (body.InputParameters as Array<{ key: string; value: Record<string, unknown> }>)[0]?.value ?? {};
    const attributesOf = (body: Record<string, unknown>) => targetOf(body).Attributes as unknown[];

    it('answers INVALID_JSON for a body that is not JSON, without quoting it', () => {
        expect(parseDataverseWebhook('{"CorrelationId": "x", ', headers)).toEqual({
            ok: false,
            error: { code: 'INVALID_JSON', message: 'body is not valid JSON', path: '' },
        });
    });

    it('reads a Buffer body and one that starts with a UTF-8 BOM', () => {
        const text = fixtureText(name);
        expect(parseDataverseWebhook(Buffer.from(text), headers).ok).toBe(true);
        expect(parseDataverseWebhook(`\uFEFF${text}`, headers).ok).toBe(true);
    });

    it.each([
        ['[]', 'an array'],
        ['null', 'null'],
        ['42', 'number'],
    ])('answers INVALID_CONTEXT for the JSON %s', (text, got) => {
        expect(parseDataverseWebhook(text, headers)).toEqual({
            ok: false,
            error: { code: 'INVALID_CONTEXT', message: `body is not a JSON object (got ${got})`, path: '' },
        });
    });

    it.each(['PrimaryEntityName', 'PrimaryEntityId', 'MessageName', 'CorrelationId'])('names a missing %s', (key) => {
        const body = base();
        delete body[key];
        expect(parseDataverseWebhook(body, {})).toEqual({
            ok: false,
            error: { code: 'INVALID_CONTEXT', message: `${key} is missing`, path: key },
        });
    });

    it('names an empty CorrelationId', () => {
        expect(parseDataverseWebhook({ ...base(), CorrelationId: '' }, headers)).toEqual({
            ok: false,
            error: { code: 'INVALID_CONTEXT', message: 'CorrelationId: must not be empty', path: 'CorrelationId' },
        });
    });

    it('names a field of the wrong type', () => {
        expect(parseDataverseWebhook({ ...base(), Depth: '1' }, headers)).toEqual({
            ok: false,
            error: {
                code: 'INVALID_CONTEXT',
                message: 'Depth: Invalid input: expected number, received string',
                path: 'Depth',
            },
        });
    });

    it('rejects a header entity name that disagrees with PrimaryEntityName', () => {
        expect(parseDataverseWebhook(base(), { ...headers, 'x-ms-dynamics-entity-name': 're_unit' })).toEqual({
            ok: false,
            error: {
                code: 'INVALID_CONTEXT',
                message: 'x-ms-dynamics-entity-name header "re_unit" disagrees with PrimaryEntityName "re_reservation"',
                path: 'PrimaryEntityName',
            },
        });
    });

    it('reads header names whatever their case', () => {
        const result = parseDataverseWebhook(base(), { 'X-MS-Dynamics-Msg-Size-Exceeded': 'true' });
        expect(result.value?.sizeExceeded).toBe(true);
        expect(parseDataverseWebhook(base(), { 'X-MS-Dynamics-Entity-Name': 'contact' }).error?.path).toBe(
            'PrimaryEntityName',
        );
    });

    it('keeps an event with an unreadable column, naming the column and why (the map decides if it matters)', () => {
        const body = base();
        attributesOf(body).push({
            key: 're_value',
            value: { __type: 'AliasedValue:http://schemas.microsoft.com/xrm/2011/Contracts', Value: 1 },
        });
        const result = parseDataverseWebhook(body, headers);
        expect(result.ok).toBe(true);
        expect(result.value?.unreadable).toEqual({
            re_value: 'InputParameters[Target].Attributes[re_value]: unsupported Dataverse type "AliasedValue"',
        });
        expect(result.value?.target).not.toHaveProperty('re_value');
        // The other columns are all there.
        expect(result.value?.target).toHaveProperty('re_status', 100000001);
    });

    it('names the image and column of an unreadable image value; a later layer that reads it wins', () => {
        const body = base();
        const images = body.PostEntityImages as Array<{
            value: { Attributes: Array<{ key: string; value: unknown }> };
        }>;
        const amount = images[0]?.value.Attributes.find((a) => a.key === 're_bookingamount');
        if (!amount) throw new Error('the fixture post-image has re_bookingamount');
        amount.value = { Value: 1 };
        const path = 'PostEntityImages[PostImage].Attributes[re_bookingamount]';
        expect(parseDataverseWebhook(body, headers).value?.unreadable).toEqual({
            re_bookingamount: `${path}: cannot read an object without __type that is neither an Entity nor an EntityReference`,
        });
        attributesOf(body).push({ key: 're_bookingamount', value: 125000 });
        expect(parseDataverseWebhook(body, headers).value?.unreadable).toBeUndefined();
    });

    it('marks a column unreadable when the Target cannot read what an image could (the change is unknown)', () => {
        const body = base();
        attributesOf(body).push({
            key: 're_value',
            value: { __type: 'Money:http://schemas.microsoft.com/xrm/2011/Contracts', Value: '1.250.000,00' },
        });
        const event = parseDataverseWebhook(body, headers).value;
        expect(event?.unreadable).toEqual({
            re_value: 'InputParameters[Target].Attributes[re_value]: cannot read a Money without a numeric Value',
        });
    });

    it('names a Target whose Attributes are missing', () => {
        const body = base();
        delete targetOf(body).Attributes;
        expect(parseDataverseWebhook(body, headers)).toEqual({
            ok: false,
            error: {
                code: 'INVALID_CONTEXT',
                message: 'InputParameters[Target].Attributes is missing',
                path: 'InputParameters[Target].Attributes',
            },
        });
    });

    it('names a Target that is neither an Entity nor an EntityReference', () => {
        const body = base();
        (body.InputParameters as Array<{ value: unknown }>)[0] = {
            key: 'Target',
            value: { __type: 'Money:http://schemas.microsoft.com/xrm/2011/Contracts', Value: 1 },
        } as never;
        expect(parseDataverseWebhook(body, headers)).toEqual({
            ok: false,
            error: {
                code: 'INVALID_CONTEXT',
                message: 'InputParameters[Target] is a Money, expected an Entity or EntityReference',
                path: 'InputParameters[Target]',
            },
        });
    });

    it('names a key/value pair whose key is missing, by its index', () => {
        const body = base();
        (body.PostEntityImages as unknown[]).push({ value: null });
        expect(parseDataverseWebhook(body, headers)).toEqual({
            ok: false,
            error: {
                code: 'INVALID_CONTEXT',
                message: 'PostEntityImages[2].key is missing',
                path: 'PostEntityImages[2].key',
            },
        });
    });

    it('validates the nested ParentContext', () => {
        const body = base();
        delete (body.ParentContext as Record<string, unknown>).CorrelationId;
        expect(parseDataverseWebhook(body, headers)).toEqual({
            ok: false,
            error: {
                code: 'INVALID_CONTEXT',
                message: 'ParentContext.CorrelationId is missing',
                path: 'ParentContext.CorrelationId',
            },
        });
    });

    it('names an OperationCreatedOn that is not a /Date()/ value', () => {
        expect(parseDataverseWebhook({ ...base(), OperationCreatedOn: '2026-04-02T13:05:44Z' }, headers)).toEqual({
            ok: false,
            error: {
                code: 'INVALID_CONTEXT',
                message: 'OperationCreatedOn is not a /Date(ms)/ value',
                path: 'OperationCreatedOn',
            },
        });
    });
});

describe('parseDataverseWebhook field rules', () => {
    const name = 'reservation-update-cancelled.json';

    it('omits operationId when it is the all-zero GUID (synchronous steps)', () => {
        const body = { ...fixtureObject(name), OperationId: '00000000-0000-0000-0000-000000000000', Mode: 0 };
        const event = parseDataverseWebhook(body, {}).value;
        expect(event?.mode).toBe(0);
        expect(event && 'operationId' in event).toBe(false);
    });

    it('lowercases PrimaryEntityId into recordId', () => {
        const body = {
            ...fixtureObject('contact-update.json'),
            PrimaryEntityId: '8F4C2A10-6E1B-F011-8C4D-6045BD8A2B11',
        };
        expect(parseDataverseWebhook(body, {}).value?.recordId).toBe('8f4c2a10-6e1b-f011-8c4d-6045bd8a2b11');
    });

    it('takes the organisation host from the header when the body has no OrganizationName', () => {
        const body = { ...fixtureObject(name), OrganizationName: null };
        const headers = { 'x-ms-dynamics-organization': 'sandcastle-homes.crm15.dynamics.com' };
        expect(parseDataverseWebhook(body, headers).value?.organizationName).toBe(
            'sandcastle-homes.crm15.dynamics.com',
        );
    });

    it('tolerates missing newer keys, unknown keys and a null RequestId', () => {
        const body = fixtureObject(name);
        delete body.InitiatingUserAzureActiveDirectoryObjectId;
        delete body.UserAzureActiveDirectoryObjectId;
        delete body.BusinessUnitId;
        const event = parseDataverseWebhook({ ...body, Unknown: null, SomethingNew: { a: 1 }, RequestId: null }, {});
        expect(event.ok).toBe(true);
        expect(event.value && 'requestId' in event.value).toBe(false);
    });
});
