import type { BicepInstance } from './bicepInstance';
import type { Expr } from './bicepSyntax';
import { BicepSyntaxError } from './bicepSyntaxError';

/** A key an object expression can have, and whether only some deployments get it (a ternary branch). */
export interface PossibleKey {
    key: string;
    conditional: boolean;
    /** `file:line` of the property that sets it. */
    declaredAt: string;
}

/**
 * Every key an object expression can produce, read from the source rather than evaluated, so a key is found even
 * when its value only Azure knows: object literals, `union(…)` of them, both branches of `c ? a : b`, and names bound
 * to those (variables, and parameters followed into the module call that passes them). Anything else is refused:
 * an app-settings object the test cannot see through would hide a missing setting.
 */
export function possibleKeys(expr: Expr, instance: BicepInstance, conditional = false): PossibleKey[] {
    switch (expr.kind) {
        case 'object':
            return expr.properties.map((p) => ({ key: p.key, conditional, declaredAt: `${instance.path}:${p.line}` }));
        case 'call':
            if (expr.name === 'union') return expr.args.flatMap((a) => possibleKeys(a, instance, conditional));
            break;
        case 'ternary':
            return [...possibleKeys(expr.whenTrue, instance, true), ...possibleKeys(expr.whenFalse, instance, true)];
        case 'ident': {
            const bound = instance.binding(expr.name);
            if (bound) return possibleKeys(bound.expr, bound.instance, conditional);
            break;
        }
    }
    throw new BicepSyntaxError(
        instance.path,
        expr.line,
        expr.column,
        'cannot list the keys of this expression (use object literals, union(…), a ternary, a variable or a parameter)',
    );
}
