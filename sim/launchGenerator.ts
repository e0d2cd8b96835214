import type { BuilderValue } from '../sandbox/dataverse/remoteExecutionContextBuilder';
import { derivedGuid } from '../sandbox/dataverse/remoteExecutionContextBuilder';
import { mulberry32 } from '../sandbox/seededRandom';
import type { Scenario } from './scenarioSchema';

/** One CRM change, as a step of the launch. `group` keeps the buyer before the reservation that names them. */
export type LaunchEvent =
    | {
          kind: 'create' | 'update';
          entity: string;
          id: string;
          attributes: Record<string, BuilderValue>;
          unit: string | null;
      }
    | { kind: 'seed'; entity: string; id: string; attributes: Record<string, BuilderValue> };

export interface GeneratedLaunch {
    events: LaunchEvent[];
    buildings: Array<{ id: string; code: string }>;
    firms: Array<{ id: string; vendor: string }>;
    /** Milestone instalments waiting for progress that the project team reports only at the end. */
    lateProgress: Array<{ id: string; percent: number }>;
}

const day = 86_400_000;

/**
 * A deterministic launch: the same seed gives the same event stream. A tower of `units` units over buildings and
 * floors; an Expression-of-Interest spike of reservations; cancellations with re-release and re-booking; payment
 * plans with a milestone instalment; receipts; co-listed commission claims; construction progress; handovers.
 */
export function generateLaunch(scenario: Scenario, now: Date): GeneratedLaunch {
    const random = mulberry32(scenario.seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const id = (name: string) => derivedGuid(`launch:${scenario.seed}:${name}`);
    const events: LaunchEvent[] = [];
    const buildingCount = Math.max(1, Math.ceil(scenario.units / 200));
    const buildings = Array.from({ length: buildingCount }, (_, b) => ({
        id: id(`building-${b}`),
        code: `L${scenario.seed % 1000}-T${b + 1}`,
    }));
    const firms = Array.from({ length: 4 }, (_, f) => ({
        id: id(`firm-${f}`),
        vendor: `V-${scenario.seed % 1000}-${f + 1}`,
    }));
    const projectId = id('project');
    events.push({
        kind: 'seed',
        entity: 're_project',
        id: projectId,
        attributes: { re_code: 'LAUNCH', re_name: scenario.name, re_currencycode: 'AED' },
    });
    for (const b of buildings) {
        events.push({
            kind: 'seed',
            entity: 're_building',
            id: b.id,
            attributes: {
                re_code: b.code,
                re_name: b.code,
                re_projectid: { ref: { logicalName: 're_project', id: projectId } },
            },
        });
    }
    for (const f of firms)
        events.push({ kind: 'seed', entity: 'account', id: f.id, attributes: { name: `Broker ${f.vendor}` } });
    const period = now.toISOString().slice(0, 7);
    for (const b of buildings) {
        events.push({
            kind: 'create',
            entity: 're_constructionprogress',
            id: id(`progress-${b.code}`),
            attributes: {
                re_buildingid: { ref: { logicalName: 're_building', id: b.id } },
                re_percentcomplete: 40,
                re_period: period,
                re_reportedon: { date: now },
            },
            unit: null,
        });
    }
    const units = Array.from({ length: scenario.units }, (_, u) => {
        const building = buildings[u % buildingCount] ?? buildings[0];
        return {
            id: id(`unit-${u}`),
            code: `${building?.code}-${String(100 + Math.floor(u / buildingCount)).padStart(4, '0')}`,
            building,
        };
    });
    for (const u of units) {
        events.push({
            kind: 'seed',
            entity: 're_unit',
            id: u.id,
            attributes: {
                re_code: u.code,
                re_buildingid: { ref: { logicalName: 're_building', id: u.building?.id ?? '' } },
                re_status: { option: 100000000 },
            },
        });
    }

    // Sales (about 8 events each: buyer, reservation, unit status, three instalments, a receipt, a claim or two) and
    // cancellations with re-release, until the launch has the events asked for: a launch with many more events than
    // units re-releases and re-books the same units again and again, as a busy weekend does.
    const sent = () => events.length - seeded;
    const seeded = events.filter((e) => e.kind === 'seed').length;
    const lateProgress: Array<{ id: string; percent: number }> = [];
    const active = new Map<string, { reservationId: string; number: string; buyer: string }>();
    let booked = 0;
    for (let s = 0; sent() < scenario.events - 4 && s < scenario.events * 4; s++) {
        const unit = pick(units);
        const current = active.get(unit.id);
        if (current && random() < 0.5) {
            // Financing falls through: cancel, re-release; the next sale may book it again.
            events.push({
                kind: 'update',
                entity: 're_reservation',
                id: current.reservationId,
                attributes: { re_status: { option: 100000001 } },
                unit: unit.id,
            });
            events.push({
                kind: 'update',
                entity: 're_unit',
                id: unit.id,
                attributes: { re_status: { option: 100000000 } },
                unit: unit.id,
            });
            active.delete(unit.id);
            continue;
        }
        if (current) continue;
        booked++;
        const buyer = id(`buyer-${s}`);
        events.push({
            kind: 'create',
            entity: 'contact',
            id: buyer,
            attributes: { firstname: 'Buyer', lastname: `No ${s}` },
            unit: null,
        });
        const reservationId = id(`reservation-${s}`);
        const number = `RSV-${scenario.seed % 1000}-${String(booked).padStart(6, '0')}`;
        const value = 900_000 + Math.floor(random() * 40) * 25_000;
        const firm = random() < 0.6 ? pick(firms) : undefined;
        events.push({
            kind: 'create',
            entity: 're_reservation',
            id: reservationId,
            attributes: {
                re_name: number,
                re_unitid: { ref: { logicalName: 're_unit', id: unit.id, name: unit.code } },
                re_buyerid: { ref: { logicalName: 'contact', id: buyer } },
                ...(firm ? { re_brokerfirmid: { ref: { logicalName: 'account', id: firm.id } } } : {}),
                re_value: { money: value },
                re_bookingamount: { money: value * 0.1 },
                re_reservedon: { date: now },
                re_status: { option: 100000000 },
            },
            unit: unit.id,
        });
        events.push({
            kind: 'update',
            entity: 're_unit',
            id: unit.id,
            attributes: { re_status: { option: 100000001 } },
            unit: unit.id,
        });
        active.set(unit.id, { reservationId, number, buyer });
        const lagged = random() < scenario.milestoneLag;
        for (const [seq, share, dueDays] of [
            [1, 0.1, 0],
            [2, 0.2, 90],
            [3, 0.3, 180],
        ] as const) {
            const milestone = seq === 3 ? (lagged ? 70 : 30) : undefined;
            events.push({
                kind: 'create',
                entity: 're_installment',
                id: id(`${number}-${seq}`),
                attributes: {
                    re_name: `${number}-0${seq}`,
                    re_reservationid: { ref: { logicalName: 're_reservation', id: reservationId } },
                    re_sequence: seq,
                    re_duedate: { date: new Date(now.getTime() + dueDays * day) },
                    re_amount: { money: value * share },
                    ...(milestone ? { re_milestonepercent: milestone } : {}),
                },
                unit: unit.id,
            });
        }
        events.push({
            kind: 'create',
            entity: 're_receipt',
            id: id(`${number}-rct`),
            attributes: {
                re_name: `RCT-${number.slice(4)}`,
                re_reservationid: { ref: { logicalName: 're_reservation', id: reservationId } },
                re_amount: { money: value * 0.1 },
                re_receivedon: { date: now },
                re_method: { option: 100000000 },
            },
            unit: unit.id,
        });
        if (firm) {
            const coListed = random() < 0.3 ? firms.find((f) => f.id !== firm.id) : undefined;
            for (const [i, f] of [firm, ...(coListed ? [coListed] : [])].entries()) {
                events.push({
                    kind: 'create',
                    entity: 're_commission',
                    id: id(`${number}-clm-${i}`),
                    attributes: {
                        re_name: `CLM-${number.slice(4)}-${i + 1}`,
                        re_reservationid: { ref: { logicalName: 're_reservation', id: reservationId } },
                        re_brokerfirmid: { ref: { logicalName: 'account', id: f.id } },
                        re_sharepercent: coListed ? 50 : 100,
                        re_amount: { money: value * 0.02 * (coListed ? 0.5 : 1) },
                    },
                    unit: unit.id,
                });
            }
        }
    }
    if (scenario.milestoneLag > 0)
        for (const b of buildings) lateProgress.push({ id: id(`progress-${b.code}`), percent: 75 });
    return { events, buildings, firms, lateProgress };
}
