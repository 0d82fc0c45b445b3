import { describeReadStoreConformance } from '@receipts/testing';
import { MemoryReadStore } from './memory-read-store';

describeReadStoreConformance('MemoryReadStore', () => {
  const store = new MemoryReadStore();
  return Promise.resolve({ store, cleanup: () => store.close() });
});
