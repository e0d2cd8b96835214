import {
    type ErpFleetState,
    type ErpFleetStateStore,
    emptyFleetState,
    storableFleetState,
} from '../../ports/erpFleetState';

/** The in-memory twin: one object stands for the shared row; every instance of a test holds the same object. */
export class MemoryErpFleetStateStore implements ErpFleetStateStore {
    #state = emptyFleetState();

    async read(): Promise<ErpFleetState> {
        return structuredClone(this.#state);
    }

    async update(change: (current: ErpFleetState) => ErpFleetState | undefined): Promise<ErpFleetState> {
        // Read, change and write with no await in between: nothing can come between them in one process.
        const next = change(structuredClone(this.#state));
        if (next) this.#state = structuredClone(storableFleetState(next));
        return structuredClone(this.#state);
    }
}
