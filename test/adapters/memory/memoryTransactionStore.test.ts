import { MemoryTransactionStore } from '../../../src/adapters/memory/memoryTransactionStore';
import { runTransactionStoreContract } from '../../contract/transactionStore.contract';

runTransactionStoreContract('in-memory twin', async () => new MemoryTransactionStore());
