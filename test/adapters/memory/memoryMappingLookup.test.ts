import { MemoryMappingLookup } from '../../../src/adapters/memory/memoryMappingLookup';
import { runMappingLookupContract } from '../../contract/mappingLookup.contract';

runMappingLookupContract('in-memory twin', async () => new MemoryMappingLookup());
