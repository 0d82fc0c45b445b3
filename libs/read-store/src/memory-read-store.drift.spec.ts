import { describeDriftRepairConformance } from '@receipts/testing';
import { MemoryReadStore } from './memory-read-store';

describeDriftRepairConformance('MemoryReadStore', () => {
  const store = new MemoryReadStore();
  return Promise.resolve({ store, cleanup: () => store.close() });
});
