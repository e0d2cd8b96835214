/** A Bicep file outside the subset the reader understands, or malformed: names the file, line and column. */
export class BicepSyntaxError extends Error {
    readonly code = 'BICEP_SYNTAX';
    constructor(
        readonly file: string,
        readonly line: number,
        readonly column: number,
        readonly reason: string,
    ) {
        super(`${file}:${line}:${column}: ${reason}`);
        this.name = 'BicepSyntaxError';
    }
}
