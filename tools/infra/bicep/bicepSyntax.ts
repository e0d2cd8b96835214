/** The syntax tree of the Bicep subset (see bicepParser.ts for what is in it and what is refused). */
export interface Position {
    line: number;
    column: number;
}

export type Expr = Position &
    (
        | { kind: 'string'; parts: (string | Expr)[] }
        | { kind: 'number'; value: number }
        | { kind: 'bool'; value: boolean }
        | { kind: 'null' }
        | { kind: 'ident'; name: string }
        | { kind: 'object'; properties: Property[] }
        | { kind: 'array'; items: Expr[] }
        | { kind: 'for'; item: string; index?: string; source: Expr; body: Expr }
        | { kind: 'if'; condition: Expr; body: Expr }
        | { kind: 'call'; namespace?: string; name: string; args: Expr[] }
        | { kind: 'method'; target: Expr; name: string; args: Expr[] }
        | { kind: 'member'; target: Expr; name: string; safe: boolean }
        | { kind: 'index'; target: Expr; index: Expr; safe: boolean }
        | { kind: 'unary'; op: '!' | '-'; operand: Expr }
        | { kind: 'binary'; op: string; left: Expr; right: Expr }
        | { kind: 'ternary'; condition: Expr; whenTrue: Expr; whenFalse: Expr }
    );

export interface Property extends Position {
    /** The key as written; for a computed key (`'${id}': {}`) its source form, with `keyExpr` to evaluate. */
    key: string;
    keyExpr?: Expr;
    value: Expr;
}

export interface Decorator extends Position {
    name: string;
    args: Expr[];
}

export type Declaration = Position & { decorators: Decorator[] } & (
        | { kind: 'targetScope'; value: Expr }
        | { kind: 'extension'; name: string }
        | { kind: 'param'; name: string; type: string; defaultValue?: Expr }
        | { kind: 'var'; name: string; value: Expr }
        | { kind: 'resource'; name: string; type: string; apiVersion: string; existing: boolean; value: Expr }
        | { kind: 'module'; name: string; path: string; value: Expr }
        | { kind: 'output'; name: string; type: string; value: Expr }
    );

export interface BicepFile {
    path: string;
    declarations: Declaration[];
}
