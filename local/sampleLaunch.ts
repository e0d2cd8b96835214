import type { DataverseWebhookEmitter, EmitResult } from '../sandbox/dataverse/dataverseWebhookEmitter';
import { derivedGuid } from '../sandbox/dataverse/remoteExecutionContextBuilder';
import type { MappingLookup } from '../src/ports/mappingLookup';

export interface SampleLaunchResult {
    sent: number;
    accepted: number;
    ignored: number;
    refused: Array<{ status: number; body: unknown }>;
    /** Reservation numbers, to find them in the ERP ledger. */
    reservations: string[];
}

const day = 24 * 60 * 60 * 1000;

/**
 * A small launch a newcomer can watch: one tower, eight units, six buyers, a co-listed sale, a cancelled reservation
 * whose unit is re-booked, instalments (one waiting on a construction milestone), receipts and a handover.
 * `run` makes every launch new (codes and ids differ per run), so restarting `npm start` never collides.
 * `waitForQueue` lets a phase post before the next depends on it (buyers before their reservations).
 */
export async function runSampleLaunch(options: {
    emitter: DataverseWebhookEmitter;
    lookup: MappingLookup;
    run: number;
    now: Date;
    waitForQueue: () => Promise<void>;
}): Promise<SampleLaunchResult> {
    const { emitter, lookup, run, now } = options;
    const id = (name: string) => derivedGuid(`sample-launch:${run}:${name}`);
    const result: SampleLaunchResult = { sent: 0, accepted: 0, ignored: 0, refused: [], reservations: [] };
    const track = (r: EmitResult) => {
        result.sent++;
        const status = (r.body as { status?: string } | null)?.status;
        if (r.status === 202 && status === 'accepted') result.accepted++;
        else if (r.status === 202) result.ignored++;
        else result.refused.push(r);
    };

    const tower = `MARINA-T${run}`;
    const projectId = id('project');
    const buildingId = id('building');
    emitter.seed('re_project', projectId, { re_code: 'MARINA', re_name: 'Marina Heights', re_currencycode: 'AED' });
    emitter.seed('re_building', buildingId, {
        re_code: tower,
        re_name: `Marina Heights Tower ${run}`,
        re_projectid: { ref: { logicalName: 're_project', id: projectId } },
    });
    const firms = ['Harbour Realty', 'Dune Brokers'].map((name, i) => ({
        id: id(`firm-${i}`),
        name,
        vendor: `V-${run}0${i + 1}`,
    }));
    for (const firm of firms) {
        emitter.seed('account', firm.id, { name: firm.name, re_brokerlicense: `BRN-${run}-${firm.vendor}` });
        await lookup.put('brokerVendor', firm.id, firm.vendor);
    }
    await lookup.put('buildingCostCentre', buildingId, `CC-${tower}`);
    await lookup.put('buildingCode', buildingId, tower);

    // Inventory and construction progress for the period.
    const units = Array.from({ length: 8 }, (_, i) => ({ id: id(`unit-${i}`), code: `${tower}-${1201 + i}` }));
    for (const [i, unit] of units.entries()) {
        track(
            await emitter.create('re_unit', unit.id, {
                re_code: unit.code,
                re_buildingid: { ref: { logicalName: 're_building', id: buildingId, name: tower } },
                re_floor: 12,
                re_status: { option: 100000000 },
                re_listprice: { money: 1_150_000 + i * 25_000 },
            }),
        );
    }
    const period = now.toISOString().slice(0, 7);
    track(
        await emitter.create('re_constructionprogress', id('progress'), {
            re_buildingid: { ref: { logicalName: 're_building', id: buildingId } },
            re_percentcomplete: 40,
            re_period: period,
            re_reportedon: { date: now },
        }),
    );

    const buyers = Array.from({ length: 6 }, (_, i) => id(`buyer-${i}`));
    for (const [i, buyer] of buyers.entries()) {
        track(
            await emitter.create('contact', buyer, {
                firstname: ['Amira', 'Jonas', 'Leila', 'Marco', 'Noor', 'Sven'][i] ?? 'Buyer',
                lastname: 'Sample',
                emailaddress1: `buyer${i}.run${run}@example.com`,
                mobilephone: `+97150000${run}${i}`,
            }),
        );
    }
    await options.waitForQueue();

    const reserve = async (n: number, unitIndex: number, buyerIndex: number, firm?: (typeof firms)[number]) => {
        const unit = units[unitIndex];
        const buyer = buyers[buyerIndex];
        if (!unit || !buyer) throw new Error('sample launch data is inconsistent');
        const number = `RSV-${run}${String(n).padStart(4, '0')}`;
        result.reservations.push(number);
        const reservationId = id(`reservation-${n}`);
        const value = 1_200_000 + unitIndex * 25_000;
        track(
            await emitter.create('re_reservation', reservationId, {
                re_name: number,
                re_unitid: { ref: { logicalName: 're_unit', id: unit.id, name: unit.code } },
                re_buyerid: { ref: { logicalName: 'contact', id: buyer } },
                ...(firm ? { re_brokerfirmid: { ref: { logicalName: 'account', id: firm.id, name: firm.name } } } : {}),
                re_value: { money: value },
                re_bookingamount: { money: value * 0.1 },
                re_reservedon: { date: now },
                re_status: { option: 100000000 },
            }),
        );
        track(await emitter.update('re_unit', unit.id, { re_status: { option: 100000001 } }));
        return { reservationId, number, value };
    };
    const planFor = async (r: { reservationId: string; number: string; value: number }, milestone: number) => {
        const entries = [
            { seq: 1, due: 0, share: 0.1 },
            { seq: 2, due: 90, share: 0.2 },
            { seq: 3, due: 180, share: 0.3, milestone },
        ];
        for (const e of entries) {
            track(
                await emitter.create('re_installment', id(`${r.number}-${e.seq}`), {
                    re_name: `${r.number}-0${e.seq}`,
                    re_reservationid: { ref: { logicalName: 're_reservation', id: r.reservationId, name: r.number } },
                    re_sequence: e.seq,
                    re_duedate: { date: new Date(now.getTime() + e.due * day) },
                    re_amount: { money: r.value * e.share },
                    ...(e.milestone ? { re_milestonepercent: e.milestone } : {}),
                }),
            );
        }
        track(
            await emitter.create('re_receipt', id(`${r.number}-receipt`), {
                re_name: `RCT-${r.number.slice(4)}`,
                re_reservationid: { ref: { logicalName: 're_reservation', id: r.reservationId, name: r.number } },
                re_amount: { money: r.value * 0.1 },
                re_receivedon: { date: now },
                re_method: { option: 100000000 },
            }),
        );
    };

    const sales = [
        await reserve(1, 0, 0, firms[0]),
        await reserve(2, 1, 1),
        await reserve(3, 2, 2, firms[1]),
        await reserve(4, 3, 3),
    ];
    // Reservation 4's third instalment waits for 70 % construction: a business block the project team owns.
    for (const [i, sale] of sales.entries()) await planFor(sale, i === 3 ? 70 : 30);

    // A co-listed sale: one claim per firm, shares adding up to 100 %.
    const coListed = sales[0];
    if (coListed) {
        for (const [i, firm] of firms.entries()) {
            track(
                await emitter.create('re_commission', id(`claim-${i}`), {
                    re_name: `CLM-${run}-000${i + 1}`,
                    re_reservationid: {
                        ref: { logicalName: 're_reservation', id: coListed.reservationId, name: coListed.number },
                    },
                    re_brokerfirmid: { ref: { logicalName: 'account', id: firm.id, name: firm.name } },
                    re_sharepercent: 50,
                    re_amount: { money: coListed.value * 0.01 },
                }),
            );
        }
    }

    // Financing falls through: reservation 5 is cancelled, the unit re-released and booked by another buyer.
    const fallen = await reserve(5, 4, 4);
    track(await emitter.update('re_reservation', fallen.reservationId, { re_status: { option: 100000001 } }));
    track(await emitter.update('re_unit', units[4]?.id ?? '', { re_status: { option: 100000000 } }));
    await reserve(6, 4, 5);

    // A unit is ready for handover.
    const handover = units[1];
    if (handover) {
        track(
            await emitter.update('re_unit', handover.id, {
                re_status: { option: 100000003 },
                re_readyforhandoveron: { date: new Date(now.getTime() + 7 * day) },
                re_ownerid: { ref: { logicalName: 'contact', id: buyers[1] ?? '' } },
            }),
        );
    }
    await options.waitForQueue();
    return result;
}

/**
 * The project team reports construction progress for the sample tower: the milestone instalment parked under
 * `MARINA-T<run> below 70%` (and the receipt held behind it) post by themselves, with nobody re-keying anything.
 */
export async function reportSampleProgress(options: {
    emitter: DataverseWebhookEmitter;
    run: number;
    now: Date;
    percent: number;
    waitForQueue: () => Promise<void>;
}): Promise<EmitResult> {
    const id = (name: string) => derivedGuid(`sample-launch:${options.run}:${name}`);
    // The period's progress record is updated (one record per building and period, as the ERP keys it).
    const result = await options.emitter.update('re_constructionprogress', id('progress'), {
        re_percentcomplete: options.percent,
        re_reportedon: { date: options.now },
    });
    await options.waitForQueue();
    return result;
}
