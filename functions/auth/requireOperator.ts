import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { problem } from '../handlers/jsonResponse';
import type { ServicesProvider } from '../services';
import { crossSiteRefusal } from './crossSiteCheck';
import { type Actor, type OperatorNeed, operatorAccess } from './operatorAccess';

/** An operator API's handler: called only for a caller holding the role, with who that caller is. */
export type OperatorHandler = (
    request: HttpRequest,
    context: InvocationContext,
    actor: Actor,
) => Promise<HttpResponseInit>;

export const principalHeader = 'x-ms-client-principal';

/**
 * Guards an operator API (registered anonymous at the host, so no function or host key opens it): 401 without an
 * Entra ID principal, 403 without the app role, 403 for a browser's cross-site action; then the handler runs with
 * the actor. Each action is logged with the actor's object id (never a name or an e-mail).
 */
export function requireOperator(services: ServicesProvider, needs: OperatorNeed, handler: OperatorHandler) {
    return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
        const s = await services();
        const access = operatorAccess(s.settings.CONSOLE_AUTH, request.headers.get(principalHeader), needs);
        if (access.kind === 'denied') return problem(access.status, access.code, access.message);
        const refusal = crossSiteRefusal(request);
        if (refusal) return problem(403, 'CROSS_SITE_REQUEST', refusal);
        if (needs === 'act') context.log(`${context.functionName} by ${access.actor.kind} ${access.actor.id}`);
        return handler(request, context, access.actor);
    };
}
