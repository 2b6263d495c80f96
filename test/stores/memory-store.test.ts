import { MemoryStore } from '../../src/stores/memory-store.js';
import { describeStoreConformance } from './conformance.js';

describeStoreConformance('MemoryStore', async () => {
  const store = new MemoryStore();
  return { store, cleanup: () => store.close() };
});
