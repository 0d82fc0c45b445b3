import { describeReadStoreConformance } from '@receipts/testing';
import { MemoryReadStore } from './memory-read-store';

describeReadStoreConformance('MemoryReadStore', (options) => {
  const store = new MemoryReadStore(options);
  return Promise.resolve({ store, cleanup: () => store.close() });
});
