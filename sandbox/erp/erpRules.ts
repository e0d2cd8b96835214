import type { ErpAnswer, ErpBooks, Resource } from './erpBooks';

export const fail = (
    status: number,
    code: string,
    message: string,
    details: Record<string, unknown> = {},
): ErpAnswer => ({ status, body: { code, message, details }, replayed: false });

/**
 * The business rules a real-estate ERP enforces before it accepts a write (docs/erp-contract.md): records need
 * what they hang on, a unit has one active plan, a sale's commission shares stay within 100 %, and a milestone
 * instalment waits for its building's construction progress. Messages name references only, never personal data.
 */
export function checkBusinessRules(
    books: ErpBooks,
    resource: Resource,
    reference: string,
    body: Record<string, unknown>,
): ErpAnswer | undefined {
    if (resource === 'reservations') return reservationRules(books, reference, body);
    if (resource !== 'instalments' && resource !== 'receipts' && resource !== 'commissions') return undefined;
    const reservation = books.reservation(String(body.reservationNumber));
    if (!reservation) {
        return fail(422, 'DEPENDENCY_MISSING', 'the reservation is not in the ERP yet', {
            dependsOn: 'reservation',
            reference: String(body.reservationNumber),
        });
    }
    if (resource === 'commissions') return commissionRules(books, reference, body);
    if (resource === 'instalments') return milestoneRule(books, reservation, body);
    return undefined;
}

function reservationRules(books: ErpBooks, reference: string, body: Record<string, unknown>): ErpAnswer | undefined {
    if (!books.held('customers', String(body.customerRef))) {
        return fail(422, 'DEPENDENCY_MISSING', 'the customer is not in the ERP yet', {
            dependsOn: 'customer',
            reference: String(body.customerRef),
        });
    }
    if (body.status === 'cancelled') return undefined;
    // One active payment plan per unit: a re-released unit is booked again only after the first plan is cancelled.
    for (const [number, held] of books.records('reservations')) {
        if (number !== reference && held.body.unitCode === body.unitCode && held.body.status !== 'cancelled') {
            return fail(
                409,
                'UNIT_HAS_ACTIVE_RESERVATION',
                `unit ${String(body.unitCode)} already has active reservation ${number}`,
                { unitCode: String(body.unitCode), activeReservation: number },
            );
        }
    }
    return undefined;
}

function commissionRules(books: ErpBooks, reference: string, body: Record<string, unknown>): ErpAnswer | undefined {
    const others = [...books.records('commissions')].filter(
        ([claim, held]) => claim !== reference && held.body.reservationNumber === body.reservationNumber,
    );
    const claimed =
        others.reduce((sum, [, held]) => sum + Number(held.body.sharePercent), 0) + Number(body.sharePercent);
    if (claimed <= 100) return undefined;
    // Nothing for this sale is paid out until someone decides: the claims already held go on payout hold.
    books.holdPayout(others.map(([claim]) => claim));
    return fail(
        409,
        'COMMISSION_OVERCLAIMED',
        `claims for ${String(body.reservationNumber)} would reach ${claimed}% of the commission`,
        {
            reservationNumber: String(body.reservationNumber),
            claimedPercent: claimed,
            existingClaims: others.map(([claim]) => claim).join(','),
        },
    );
}

function milestoneRule(
    books: ErpBooks,
    reservation: Record<string, unknown>,
    body: Record<string, unknown>,
): ErpAnswer | undefined {
    const required = body.milestonePercent;
    if (typeof required !== 'number') return undefined;
    // The ERP knows the building from the reservation the instalment belongs to.
    const buildingCode = String(reservation.buildingCode);
    const current = books.progress(buildingCode);
    if (current >= required) return undefined;
    return fail(422, 'MILESTONE_NOT_REACHED', `${buildingCode} is at ${current}%, the instalment needs ${required}%`, {
        buildingCode,
        requiredPercent: required,
        currentPercent: current,
    });
}
