import { MemoryBlobStore } from '../../../src/adapters/memory/memoryBlobStore';
import { runBlobStoreContract } from '../blobStore.contract';

runBlobStoreContract('in memory', async () => new MemoryBlobStore());
