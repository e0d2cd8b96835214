import { mulberry32 } from '../../sandbox/seededRandom';

/** One CSV file of the legacy export: its header and rows (all text, as a spreadsheet export gives them). */
export interface LegacyFile {
    name: string;
    columns: readonly string[];
    rows: string[][];
}

/** A defect the generator planted on purpose, and the rule that must find it (manifest.json). */
export interface PlantedDefect {
    rule: string;
    /** The file of the row(s) that carry the defect. */
    file: string;
    /** The rows' business keys in that file (unit number, reservation number, buyer id, …). */
    keys: string[];
}

export interface LegacyDataSet {
    files: LegacyFile[];
    manifest: { seed: number; rows: number; defects: PlantedDefect[] };
}

export interface LegacyDataOptions {
    /** Approximate total number of rows over every file. */
    rows: number;
    seed: number;
    /**
     * `all` plants every defect; `cleansable` only those cleansing fixes by itself (duplicate buyers, unit naming
     * drift), i.e. the export after the business corrected the blocking findings; `none` plants nothing.
     */
    defects?: 'all' | 'cleansable' | 'none';
}

const projectNames = ['MARINA', 'OASIS', 'CREEK', 'PALM', 'DUNES', 'HARBOUR', 'SUMMIT', 'GARDENS'];
const firstNames = ['Aisha', 'Omar', 'Layla', 'Yusuf', 'Maryam', 'Khalid', 'Sara', 'Hamad', 'Noor', 'Rashid'];
const lastNames = ['Al Mansouri', 'Haddad', 'Khan', 'Fernandes', 'Nair', 'Saleh', 'Rahman', 'Qureshi', 'Ivanova'];
const unitsPerFloor = 8;
const unitsPerBuilding = 200;
const buildingsPerProject = 10;
const day = 86_400_000;

/** `dd/mm/yyyy`, the way the legacy spreadsheets hold dates. */
function legacyDate(ms: number): string {
    const d = new Date(ms);
    const dd = String(d.getUTCDate()).padStart(2, '0');
    const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
    return `${dd}/${mm}/${d.getUTCFullYear()}`;
}

const cents = (n: number) => (Math.round(n * 100) / 100).toFixed(2);

/**
 * A realistic, deliberately dirty legacy export (legacy CRM and spreadsheets) for tests, the README and the
 * benchmark. Same seed and size, same files. About 11.5 rows per unit: the unit, most units reserved (some
 * cancelled and re-booked), buyers, a payment plan of 5–8 instalments, receipts and co-listed commission claims.
 * Defects are planted at fixed rates and listed in the manifest with the rule that must find them.
 */
export function generateLegacyData(options: LegacyDataOptions): LegacyDataSet {
    const random = mulberry32(options.seed);
    const level = options.defects ?? 'all';
    const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const chance = (p: number) => random() < p;
    const defects: PlantedDefect[] = [];
    const plant = (rule: string, file: string, keys: string[]) => defects.push({ rule, file, keys });
    const cleansable = level !== 'none';
    const blocking = level === 'all';

    // Measured: about 11.5 rows per unit over the nine files (reservations, plans, receipts, buyers, claims).
    const unitCount = Math.max(20, Math.round(options.rows / 11.5));
    const buildingCount = Math.ceil(unitCount / unitsPerBuilding);
    const projectCount = Math.ceil(buildingCount / buildingsPerProject);

    const projects: string[][] = [];
    const buildings: string[][] = [];
    const units: string[][] = [];
    const buyers: string[][] = [];
    const brokers: string[][] = [];
    const reservations: string[][] = [];
    const plans: string[][] = [];
    const receipts: string[][] = [];
    const commissions: string[][] = [];

    for (let p = 0; p < projectCount; p++) {
        const code = `${projectNames[p % projectNames.length]}${p >= projectNames.length ? Math.floor(p / 8) + 1 : ''}`;
        projects.push([code, `${code[0]}${code.slice(1).toLowerCase()} Residences`, 'AED']);
    }
    const buildingCodes: string[] = [];
    for (let b = 0; b < buildingCount; b++) {
        const project = projects[Math.floor(b / buildingsPerProject)]?.[0] ?? '';
        const code = `${project}-T${(b % buildingsPerProject) + 1}`;
        buildingCodes.push(code);
        buildings.push([code, `Tower ${(b % buildingsPerProject) + 1}`, project]);
    }
    const firmCount = Math.max(3, Math.round(unitCount / 400));
    for (let f = 0; f < firmCount; f++) {
        brokers.push([`BRK${String(f + 1).padStart(4, '0')}`, `Broker Firm ${f + 1} LLC`, `ORN-${10000 + f}`]);
    }

    let buyerSeq = 0;
    const newBuyer = (): string[] => {
        buyerSeq += 1;
        const id = `B${String(buyerSeq).padStart(6, '0')}`;
        const first = pick(firstNames);
        const last = pick(lastNames);
        const row = [
            id,
            first,
            last,
            `${first}.${last.replace(/\s/g, '')}${buyerSeq}@example.com`.toLowerCase(),
            `+971 5${int(0, 8)} ${String(buyerSeq)
                .padStart(7, '0')
                .replace(/(\d{3})(\d{4})/, '$1 $2')}`,
            `784-${int(1960, 2000)}-${String(buyerSeq).padStart(7, '0')}-${int(0, 9)}`,
        ];
        buyers.push(row);
        return row;
    };

    let reservationSeq = 0;
    let receiptSeq = 0;
    let claimSeq = 0;
    const addReservation = (unitCode: string, price: number, status: string, start: number, buyerId: string) => {
        reservationSeq += 1;
        const number = `RSV-${String(reservationSeq).padStart(6, '0')}`;
        const value = price;
        const booking = Math.round(value * 0.05 * 100) / 100;
        const firm = chance(0.6) ? pick(brokers)[0] : '';
        reservations.push([
            number,
            unitCode,
            buyerId,
            firm ?? '',
            cents(value),
            cents(booking),
            legacyDate(start),
            status,
        ]);
        const count = int(5, 8);
        const each = Math.floor((value / count) * 100) / 100;
        const amounts: number[] = [];
        for (let i = 1; i <= count; i++) {
            const amount = i < count ? each : Math.round((value - each * (count - 1)) * 100) / 100;
            amounts.push(amount);
            plans.push([
                `${number}-${String(i).padStart(2, '0')}`,
                number,
                String(i),
                legacyDate(start + i * 90 * day),
                cents(amount),
            ]);
        }
        // Receipts: the booking, then a share of the instalments already due.
        const paidCount = int(0, Math.min(3, count));
        const paid = [booking, ...amounts.slice(0, paidCount).map((a) => Math.round(a * 0.9 * 100) / 100)];
        for (const [i, amount] of paid.entries()) {
            receiptSeq += 1;
            receipts.push([
                `RCT-${String(receiptSeq).padStart(7, '0')}`,
                number,
                cents(amount),
                legacyDate(start + i * 90 * day + day),
                pick(['Bank Transfer', 'Cheque', 'Card']),
            ]);
        }
        if (firm) {
            const coListed = chance(0.3);
            const shares = coListed ? [50, 50] : [100];
            for (const share of shares) {
                claimSeq += 1;
                const broker = share === 100 ? firm : pick(brokers)[0];
                commissions.push([
                    `CLM-${String(claimSeq).padStart(6, '0')}`,
                    number,
                    broker ?? firm,
                    `AG-${int(100, 999)}`,
                    String(share),
                    cents(value * 0.02 * (share / 100)),
                ]);
            }
        }
        return { number, value: amounts.reduce((a, b) => a + b, 0) };
    };

    const base = Date.UTC(2019, 0, 1);
    for (let u = 0; u < unitCount; u++) {
        const building = buildingCodes[Math.floor(u / unitsPerBuilding)] ?? '';
        const inBuilding = u % unitsPerBuilding;
        const floor = Math.floor(inBuilding / unitsPerFloor) + 1;
        const code = `${building}-${floor}${String((inBuilding % unitsPerFloor) + 1).padStart(2, '0')}`;
        const price = int(60, 400) * 10_000 + int(0, 99) * 100;
        const reserved = chance(0.85);
        units.push([code, building, String(floor), reserved ? pick(['Reserved', 'Sold']) : 'Available', cents(price)]);
        if (!reserved) continue;
        const start = base + int(0, 6 * 365) * day;
        // A buyer's financing fell through: cancelled, then the unit re-released and booked by another buyer.
        if (chance(0.05)) addReservation(code, price, 'Cancelled', start - 30 * day, newBuyer()[0] ?? '');
        // Repeat buyers: investors who bought more than one unit.
        const buyer = buyers.length > 10 && chance(0.1) ? pick(buyers) : newBuyer();
        addReservation(code, price, pick(['Active', 'Contracted']), start, buyer[0] ?? '');
    }

    if (cleansable) {
        // Duplicate buyers: the same person keyed again under a new id, with their id number, e-mail or phone typed
        // differently; some of their reservations point to the copy.
        const count = Math.max(2, Math.round(buyers.length * 0.01));
        for (let i = 0; i < count; i++) {
            const original = buyers[int(0, buyers.length - 1)] as string[];
            if (defects.some((d) => d.rule === 'DUPLICATE_BUYER' && d.keys.includes(original[0] ?? ''))) continue;
            buyerSeq += 1;
            const copyId = `B${String(buyerSeq).padStart(6, '0')}`;
            const how = i % 3;
            const copy = [
                copyId,
                (original[1] ?? '').toUpperCase(),
                original[2] ?? '',
                how === 0 ? ` ${(original[3] ?? '').toUpperCase()} ` : `x${buyerSeq}@example.org`,
                how === 1
                    ? (original[4] ?? '').replace(/^\+971 /, '0').replace(/\s/g, '')
                    : `+971 4 ${String(buyerSeq).padStart(7, '0')}`,
                how === 2 ? (original[5] ?? '').replace(/-/g, '') : `784-1999-${String(buyerSeq).padStart(7, '0')}-9`,
            ];
            buyers.push(copy);
            const theirs = reservations.find((r) => r[2] === original[0]);
            if (theirs) theirs[2] = copyId;
            plant('DUPLICATE_BUYER', 'buyers.csv', [original[0] ?? '', copyId]);
        }
        // Naming drift: unit numbers without the project prefix (`T1-1203` for `MARINA-T1-1203`) in the unit list,
        // and typed with spaces and in lower case (`marina t1 1203`) on reservations.
        const drift = Math.max(2, Math.round(units.length * 0.02));
        for (let i = 0; i < drift; i++) {
            const row = units[int(0, units.length - 1)] as string[];
            const code = row[0] ?? '';
            if (code.split('-').length !== 3) continue;
            const short = code.slice(code.indexOf('-') + 1);
            if (i % 2 === 0) {
                row[0] = short;
                plant('UNIT_NAMING_DRIFT', 'units.csv', [short]);
            } else {
                const r = reservations.find((x) => x[1] === code);
                if (!r) continue;
                r[1] = code.toLowerCase().replace(/-/g, ' ');
                plant('UNIT_NAMING_DRIFT', 'reservations.csv', [r[0] ?? '']);
            }
        }
    }

    if (blocking) {
        // At least one of each, one in 500 rows; `i` counts what was planted, `tries` bounds the search for a fit.
        const rare = (n: number) => Math.max(1, Math.round(n * 0.002));
        // Missing required fields.
        for (let i = 0, tries = 0; i < rare(reservations.length) && tries < 1000; tries++) {
            const r = reservations[int(0, reservations.length - 1)] as string[];
            if (r[4] === '') continue;
            r[4] = '';
            plant('MISSING_REQUIRED', 'reservations.csv', [r[0] ?? '']);
            i++;
        }
        // A unit whose building is not in the export.
        for (let i = 0, tries = 0; i < rare(units.length) && tries < 1000; tries++) {
            const building = `${projects[0]?.[0]}-T99`;
            const code = `${building}-${101 + i}`;
            units.push([code, building, '1', 'Available', '500000.00']);
            plant('ORPHAN_UNIT', 'units.csv', [code]);
            i++;
        }
        // Instalments of a reservation that does not exist (deleted in the legacy CRM, plan left behind).
        for (let i = 0, tries = 0; i < rare(plans.length / 6) && tries < 1000; tries++) {
            const number = `RSV-9${String(i).padStart(5, '0')}`;
            const key = `${number}-01`;
            plans.push([key, number, '1', legacyDate(base), '10000.00']);
            plant('ORPHAN_INSTALMENT', 'payment_plans.csv', [key]);
            i++;
        }
        // A receipt that takes a reservation over its whole plan.
        for (let i = 0, tries = 0; i < rare(reservations.length) && tries < 1000; tries++) {
            const r = reservations[int(0, reservations.length - 1)] as string[];
            if (r[4] === '' || defects.some((d) => d.keys.includes(r[0] ?? ''))) continue;
            receiptSeq += 1;
            const key = `RCT-${String(receiptSeq).padStart(7, '0')}`;
            receipts.push([key, r[0] ?? '', cents(Number(r[4]) + 1000), legacyDate(base + day), 'Cheque']);
            plant('RECEIPT_EXCEEDS_PLAN', 'reservations.csv', [r[0] ?? '']);
            i++;
        }
        // Two active reservations for one unit (the cancellation was never recorded).
        for (let i = 0, tries = 0; i < rare(reservations.length) && tries < 1000; tries++) {
            const r = reservations[int(0, reservations.length - 1)] as string[];
            if (r[7] === 'Cancelled' || defects.some((d) => d.keys.includes(r[0] ?? ''))) continue;
            const unit = units.find((u) => u[0] === r[1]);
            if (!unit) continue;
            const second = addReservation(r[1] ?? '', Number(unit[4]), 'Active', base + 400 * day, newBuyer()[0] ?? '');
            plant('TWO_ACTIVE_RESERVATIONS', 'reservations.csv', [r[0] ?? '', second.number]);
            i++;
        }
        // Commission claims over 100 % of a sale (two firms each claiming the whole sale).
        for (let i = 0, tries = 0; i < rare(reservations.length) && tries < 1000; tries++) {
            const claim = commissions[int(0, commissions.length - 1)];
            if (claim?.[4] !== '100' || defects.some((d) => d.keys.includes(claim[1] ?? ''))) continue;
            claimSeq += 1;
            const key = `CLM-${String(claimSeq).padStart(6, '0')}`;
            commissions.push([key, claim[1] ?? '', pick(brokers)[0] ?? '', 'AG-777', '100', claim[5] ?? '0']);
            plant('COMMISSION_OVER_100', 'reservations.csv', [claim[1] ?? '']);
            i++;
        }
    }

    const files: LegacyFile[] = [
        { name: 'projects.csv', columns: ['project_code', 'project_name', 'currency'], rows: projects },
        { name: 'buildings.csv', columns: ['building_code', 'building_name', 'project_code'], rows: buildings },
        { name: 'units.csv', columns: ['unit_no', 'building_code', 'floor', 'status', 'list_price'], rows: units },
        {
            name: 'buyers.csv',
            columns: ['buyer_id', 'first_name', 'last_name', 'email', 'phone', 'national_id'],
            rows: buyers,
        },
        { name: 'brokers.csv', columns: ['broker_id', 'firm_name', 'license_no'], rows: brokers },
        {
            name: 'reservations.csv',
            columns: [
                'reservation_no',
                'unit_no',
                'buyer_id',
                'broker_id',
                'total_value',
                'booking_amount',
                'reserved_on',
                'status',
            ],
            rows: reservations,
        },
        {
            name: 'payment_plans.csv',
            columns: ['instalment_no', 'reservation_no', 'seq', 'due_date', 'amount'],
            rows: plans,
        },
        {
            name: 'receipts.csv',
            columns: ['receipt_no', 'reservation_no', 'amount', 'received_on', 'method'],
            rows: receipts,
        },
        {
            name: 'commissions.csv',
            columns: ['claim_no', 'reservation_no', 'broker_id', 'agent_code', 'share_percent', 'amount'],
            rows: commissions,
        },
    ];
    const rows = files.reduce((sum, f) => sum + f.rows.length, 0);
    return { files, manifest: { seed: options.seed, rows, defects } };
}
