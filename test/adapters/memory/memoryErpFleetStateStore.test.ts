import { MemoryErpFleetStateStore } from '../../../src/adapters/memory/memoryErpFleetStateStore';
import { runErpFleetStateStoreContract } from '../../contract/erpFleetStateStore.contract';

runErpFleetStateStoreContract('in-memory twin', async () => {
    const shared = new MemoryErpFleetStateStore();
    return [shared, shared];
});
