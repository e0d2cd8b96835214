import { MemorySessionGateStore } from '../../../src/adapters/memory/memorySessionGateStore';
import { runSessionGateStoreContract } from '../../contract/sessionGateStore.contract';

runSessionGateStoreContract('in-memory twin', async () => new MemorySessionGateStore());
