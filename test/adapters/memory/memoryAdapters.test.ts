import { MemoryMappingLookup } from '../../../src/adapters/memory/memoryMappingLookup';
import { MemoryTransactionStore } from '../../../src/adapters/memory/memoryTransactionStore';
import { runMappingLookupContract } from '../../contract/mappingLookup.contract';
import { runTransactionStoreContract } from '../../contract/transactionStore.contract';

runTransactionStoreContract('in-memory twin', async () => new MemoryTransactionStore());
runMappingLookupContract('in-memory twin', async () => new MemoryMappingLookup());
