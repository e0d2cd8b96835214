import { transactionStates } from '../../src/domain/transactionRecord';

/** For fixtures that put a transaction straight into a state, whatever it was in. */
export const anyState = transactionStates;
