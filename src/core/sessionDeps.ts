import type { HandoverStore } from '../ports/handoverStore';
import type { SessionGateStore } from '../ports/sessionGateStore';
import type { SessionQueue } from '../ports/sessionQueue';
import type { AttemptDeps } from './attemptTransaction';
import type { WorkBudget } from './invocation';
import type { RetryPolicy } from './retryPolicy';

/** What the session handler works with: the attempt's collaborators, the unit's gate and its own session. */
export interface SessionDeps extends AttemptDeps {
    gates: SessionGateStore;
    handovers: HandoverStore;
    queue: Pick<SessionQueue, 'send'>;
    retryPolicy: RetryPolicy;
    budget: WorkBudget;
    random: () => number;
}
