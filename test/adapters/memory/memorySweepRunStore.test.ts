import { MemorySweepRunStore } from '../../../src/adapters/memory/memorySweepRunStore';
import { sweepRunStoreContract } from '../../contract/sweepRunStore.contract';

sweepRunStoreContract('in-memory twin', async () => new MemorySweepRunStore());
