/**
 * One audit finding: the rule that found it, the rows (as the source names them: reservation number, unit number,
 * legacy buyer id, or `line N`), and whether it blocks the load. A blocking finding must be fixed in the source (or
 * the map) and the dry runs repeated; a non-blocking one is fixed by cleansing and reported for the record.
 */
export interface Finding {
    rule: string;
    blocks: boolean;
    /** The map's table id the rows belong to. */
    table: string;
    file: string;
    rows: string[];
    message: string;
}

/** Collects findings, one per rule, table and detail, so a defect on 900 rows is one finding listing 900 rows. */
export class Findings {
    readonly #byId = new Map<string, Finding>();

    add(finding: Omit<Finding, 'rows'> & { row: string }, detail = ''): void {
        const id = `${finding.rule}\0${finding.table}\0${detail}`;
        const existing = this.#byId.get(id);
        if (existing) existing.rows.push(finding.row);
        else {
            const { row, ...rest } = finding;
            this.#byId.set(id, { ...rest, rows: [row] });
        }
    }

    /** A finding about one group of rows (one unit's reservations, one sale's claims): never merged with others. */
    addGroup(finding: Finding): void {
        this.#byId.set(`${finding.rule}\0${finding.table}\0#${this.#byId.size}`, finding);
    }

    list(): Finding[] {
        return [...this.#byId.values()];
    }
}
